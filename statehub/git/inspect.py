"""Ask git about one repo, and make the only changes fix mode allows.

Reading a repo costs one git process (``status``) when the other branches' tips can be
read from the ref files (``statehub.git.refs``) and none differs from its upstream's,
else two (``status`` and ``for-each-ref``). Whether a merge, rebase, cherry-pick, revert or
bisect is in progress is read from marker files in the git dir, as git's own prompt does.
Parsing is pure and lives in ``statehub.fleet.porcelain``.

Needs git >= 2.35 (the ``# stash`` header of porcelain v2; ``fetch
--no-write-fetch-head`` and ``--no-auto-maintenance`` are 2.29).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from statehub.errors import FixRefused, InspectError, NotAGitRepo, StateHubError
from statehub.fleet.fixsafety import (
    LOCAL_RECEIVE_PACK,
    NO_REMOTE_BRANCH,
    TREE_DIFF_ARGS,
    PathKind,
    TreeDiffError,
    fast_forward_hazard,
    local_path_of,
    local_remote_refusal,
    parse_tree_diff,
    push_refusal,
    sane_remote_name,
)
from statehub.fleet.porcelain import (
    BRANCH_FORMAT,
    PUSH_TARGET_FORMAT,
    REF_PATTERNS,
    STATUS_ARGS,
    PorcelainError,
    parse_branches,
    parse_push_target,
    parse_status,
)
from statehub.fleet.state import BranchState, Operation, RepoState
from statehub.git.refs import LocalRefs, read_local_refs
from statehub.git.repoconfig import RepoConfig, load_repo_config
from statehub.git.runner import GitResult, GitTimeout, git_environment, run_git

_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")

# Checked in this order: an interactive rebase that stopped on a conflicting
# pick also has CHERRY_PICK_HEAD, and it is the rebase the user must finish.
# rebase-apply/ is shared by `git am`; the state has no separate code for it.
_OPERATION_MARKERS: tuple[tuple[str, Operation], ...] = (
    ("rebase-merge", Operation.REBASE),
    ("rebase-apply", Operation.REBASE),
    ("MERGE_HEAD", Operation.MERGE),
    ("CHERRY_PICK_HEAD", Operation.CHERRY_PICK),
    ("REVERT_HEAD", Operation.REVERT),
    ("BISECT_LOG", Operation.BISECT),
)

# One remote per fetch, named after "--": `git fetch --all` (and --multiple) passes each
# remote's name on to a child fetch as a bare argument, where a remote named
# "--upload-pack=<cmd>" is an option that runs <cmd>.
FETCH_ARGS: tuple[str, ...] = (
    "fetch",
    "--prune",
    "--quiet",
    # We compare against remote-tracking refs and never read FETCH_HEAD, but
    # the user's own `git pull` does: writing it between their fetch and merge
    # would make them merge what *we* fetched.
    "--no-write-fetch-head",
    # An auto gc/maintenance after fetch may daemonize (gc.autoDetach), leave
    # our process group and outlive the timeout; the user's git can do it.
    "--no-auto-maintenance",
    # fetch.recurseSubmodules=on-demand would fetch every submodule's remotes
    # too; registered submodules are swept in their own right.
    "--no-recurse-submodules",
)


@dataclass(frozen=True)
class FetchOutcome:
    """How fetching every remote went. ``failed`` holds each failed remote with git's most
    telling line; ``message`` names them all in one line."""

    ok: bool
    timed_out: bool = False
    message: str | None = None
    failed: tuple[tuple[str, str], ...] = ()


def _shown_name(name: str) -> str:
    return name.encode("unicode_escape").decode("ascii")[:160]


def _env(path: Path, base: dict[str, str] | None) -> dict[str, str]:
    env = git_environment(base)
    # git searches parent directories for a repo. When this one is broken
    # (garbage HEAD) it must fail here, not quietly report on an enclosing repo
    # such as a home directory kept under git. git resolves symlinks in the
    # entry itself.
    env["GIT_CEILING_DIRECTORIES"] = str(path.absolute().parent)
    return env


def find_git_dir(path: Path) -> Path:
    """The git dir of the work tree at ``path``, without running git.

    ``.git`` is a directory in a plain clone and a file ``gitdir: <path>`` in a
    linked worktree or a submodule; there the per-worktree state (MERGE_HEAD,
    rebase-merge/, BISECT_LOG …) lives in the directory it points to.
    """
    dot_git = path / ".git"
    try:
        mode = dot_git.stat().st_mode  # the one stat a healthy repo costs
    except (FileNotFoundError, NotADirectoryError):
        if not path.exists():
            raise FileNotFoundError(errno.ENOENT, "no such directory", str(path)) from None
        if not path.is_dir():
            raise NotAGitRepo(str(path), "not a directory") from None
        raise NotAGitRepo(str(path), "it has no .git") from None
    if stat.S_ISDIR(mode):
        return dot_git
    if not stat.S_ISREG(mode):
        raise NotAGitRepo(str(path), "it has no .git")
    first_line = dot_git.read_text(encoding="utf-8", errors="replace").partition("\n")[0]
    prefix, _, target = first_line.partition("gitdir: ")
    if prefix or not target.strip():
        raise InspectError(f"{dot_git} is not a valid gitfile (expected 'gitdir: <path>')")
    return path / target.strip()  # a relative gitdir is relative to the work tree


def operation_in_progress(
    git_dir: Path, listing: Collection[str] | None = None
) -> Operation | None:
    """The merge/rebase/cherry-pick/revert/bisect waiting in ``git_dir``, if any.

    ``listing``: the names in ``git_dir``, when the config reader has listed it already.
    """
    try:
        # One directory read instead of a stat per marker, or none.
        present = listing or set(os.listdir(git_dir))
    except FileNotFoundError:
        return None
    for marker, operation in _OPERATION_MARKERS:
        if marker in present:
            return operation
    return None


def _read(args: Sequence[str], path: Path, deadline: float, env: dict[str, str]) -> bytes:
    """stdout of a read-only git call that must succeed; both calls share one deadline."""
    result = run_git(args, cwd=path, timeout=deadline - time.monotonic(), env=env)
    if not result.ok:
        raise InspectError(f"git {args[0]} failed: {result.error_line()}")
    return result.stdout


def inspect_repo(
    path: Path,
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    git_dir: Path | None = None,
    config: RepoConfig | None = None,
    outside_keys: Sequence[str] = (),
    elsewhere: frozenset[str] = frozenset(),
    refs_from_files: bool = True,
    status_args: Sequence[str] = STATUS_ARGS,
) -> RepoState:
    """The state of the work tree at ``path`` (whose git dir is ``git_dir``, when known).

    ``git status`` always; ``git for-each-ref`` only when a branch other than the checked-out
    one has a tip that differs from its upstream's, or when the refs are not in a form
    ``statehub.git.refs`` reads (``refs_from_files=False`` always asks git, as before).
    ``config``: the repo's config, when the caller read it already; ``outside_keys`` the
    config keys set outside the repo (see ``read_local_refs``). Branches in ``elsewhere``
    (checked out in another registered worktree, which reports them) are left out.

    Raises FileNotFoundError when ``path`` does not exist, NotAGitRepo when it
    is not the top of a git work tree, InspectError when git cannot read it
    (corrupt HEAD, missing objects, unreadable output) and GitTimeout when the
    git calls together take longer than ``timeout`` seconds.
    """
    git_dir = find_git_dir(path) if git_dir is None else git_dir
    deadline = time.monotonic() + timeout
    git_env = _env(path, env)
    status_raw = _read(status_args, path, deadline, git_env)
    try:
        status = parse_status(status_raw)
    except PorcelainError as exc:
        raise InspectError(f"unexpected git output: {exc}") from exc
    local = None
    if refs_from_files:
        config = load_repo_config(git_dir) if config is None else config
        local = read_local_refs(config, outside_keys)
    # The checked-out branch is counted by status; those checked out elsewhere are dropped.
    skip = set(elsewhere)
    if status.branch is not None:
        skip.add(status.branch)
    if isinstance(local, LocalRefs) and not local.needs_git(skip):
        branches = [b.state() for b in local.branches]
    else:
        branches = _branches_from_git(path, deadline, git_env)
    current = next((b for b in branches if b.name == status.branch), None)
    return RepoState(
        branch=status.branch,
        head=status.head,
        upstream=status.upstream,
        upstream_gone=status.upstream_gone,
        ahead=status.ahead,
        behind=status.behind,
        staged=status.staged,
        modified=status.modified,
        untracked=status.untracked,
        conflicted=status.conflicted,
        stashes=status.stashes,
        # The config reader's listing of the git dir, when it took one (a git dir is never
        # empty: it holds HEAD), spares a second read of the same directory.
        # Fix mode's second look (after a fast-forward or push, which start or end no
        # operation: one in progress stops every fix) may use the same listing.
        operation=operation_in_progress(git_dir, _listing_of(config, git_dir)),
        other_branches=tuple(b for b in branches if b.name not in skip),
        upstream_remote=current.remote if current else None,
        upstream_remote_ref=current.remote_ref if current else None,
        upstream_head=current.upstream_head if current else None,
    )


def _listing_of(config: RepoConfig | None, git_dir: Path) -> Collection[str] | None:
    return config.git_dir_names if config is not None and config.git_dir == git_dir else None


def _branches_from_git(path: Path, deadline: float, env: dict[str, str]) -> list[BranchState]:
    raw = _read(("for-each-ref", f"--format={BRANCH_FORMAT}", *REF_PATTERNS), path, deadline, env)
    try:
        return parse_branches(raw)
    except PorcelainError as exc:
        raise InspectError(f"unexpected git output: {exc}") from exc


def fetch_all(
    path: Path,
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    remotes: Sequence[str] | None = None,
    upload_packs: Mapping[str, str] | None = None,
) -> FetchOutcome:
    """Fetch (and prune) each remote in turn; never raises for a remote's failure.

    ``remotes`` defaults to what the repo's config names (read without git). A remote whose
    name could pass for an option is not fetched and is reported as failed. ``upload_packs``
    gives a remote the ``--upload-pack`` to use instead of the one its config names. A repo without
    remotes has nothing to fetch and is ``ok``. On a timeout the runner has already killed
    git's whole process group (ssh, helpers, upload-pack). A path that does not exist raises
    FileNotFoundError, as in ``inspect_repo``.
    """
    if remotes is None:
        remotes = list(load_repo_config(find_git_dir(path)).remotes())
    git_env = _env(path, env)
    deadline = time.monotonic() + timeout
    failed: list[tuple[str, str]] = []
    for name in remotes:
        if not sane_remote_name(name):
            failed.append((name, "not fetched: its name could be taken for an option"))
            continue
        try:
            left = deadline - time.monotonic()
            program = (upload_packs or {}).get(name)
            options = (f"--upload-pack={program}",) if program else ()
            args = (*FETCH_ARGS, *options, "--", name)
            result = run_git(args, cwd=path, timeout=left, env=git_env)
        except GitTimeout:
            message = f"fetch timed out after {timeout:g}s"
            return FetchOutcome(ok=False, timed_out=True, message=message, failed=tuple(failed))
        if not result.ok:
            failed.append((name, result.error_line()))
    if not failed:
        return FetchOutcome(ok=True)
    message = "; ".join(f"{_shown_name(name)}: {line}" for name, line in failed)
    return FetchOutcome(ok=False, message=message, failed=tuple(failed))


def _work_tree_kind(root: Path, relative: str) -> PathKind:
    try:
        mode = os.lstat(root / relative).st_mode  # lstat: a symlink in the way is in the way
    except (FileNotFoundError, NotADirectoryError):
        return PathKind.MISSING
    except OSError:
        return PathKind.OTHER  # unreadable: assume something is there
    return PathKind.DIRECTORY if stat.S_ISDIR(mode) else PathKind.OTHER


def fast_forward(path: Path, *, timeout: float, env: dict[str, str] | None = None) -> GitResult:
    """Fast-forward the checked-out branch to its upstream; git refuses anything else.

    Raises FixRefused, before touching anything, when the fast-forward would land on an
    untracked or ignored file (``git merge`` overwrites ignored ones silently) or move a
    submodule pointer. The upstream is resolved once, so what was checked is what merges.
    """
    deadline = time.monotonic() + timeout
    git_env = _env(path, env)
    revs = _read(("rev-parse", "HEAD", "@{upstream}^{commit}"), path, deadline, git_env)
    head, _, upstream = revs.decode("ascii", "replace").strip().partition("\n")
    if not (_OID.fullmatch(head) and _OID.fullmatch(upstream)):
        raise InspectError(f"unexpected git rev-parse output: {revs[:120]!r}")
    diff = _read((*TREE_DIFF_ARGS, head, upstream), path, deadline, git_env)
    try:
        hazard = fast_forward_hazard(
            parse_tree_diff(diff), lambda relative: _work_tree_kind(path, relative)
        )
    except TreeDiffError as exc:
        raise InspectError(f"unexpected git output: {exc}") from exc
    if hazard is not None:
        raise FixRefused(hazard)
    # merge.autoStash=true in the user's config would stash and re-apply local
    # changes around the merge: a change to the work tree we promised not to make.
    # A merge ends with `git maintenance run --auto` (merge has no --no-auto-maintenance as
    # fetch does): a gc that may daemonize out of our process group, and the repo's
    # pre-auto-gc hook. The user's next git command does its maintenance; the sweep does none.
    args = (
        *("-c", "maintenance.auto=false"),
        *("merge", "--ff-only", "--no-autostash", "--no-stat", "--quiet", upstream),
    )
    return run_git(args, cwd=path, timeout=deadline - time.monotonic(), env=git_env)


def push_branch(
    path: Path,
    branch: str,
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    receive_packs: Mapping[str, str] | None = None,
    trusted: bool = False,
) -> GitResult:
    """Push ``branch`` to the same-named branch it tracks on its remote. Never forced.

    Raises FixRefused when the branch tracks nothing on a remote, tracks a branch of
    another name, its remote's name is not one git would give a remote, or it pushes to a
    repository on this machine that has hooks (git would run them as the user).
    ``receive_packs`` gives a remote the ``--receive-pack`` to use instead of its config's;
    ``trusted`` (the repo's own programs may run) keeps the one its config names.
    """
    deadline = time.monotonic() + timeout
    git_env = _env(path, env)
    lookup = run_git(
        ("for-each-ref", f"--format={PUSH_TARGET_FORMAT}", f"refs/heads/{branch}"),
        cwd=path,
        timeout=timeout,
        env=git_env,
    )
    if not lookup.ok:
        return lookup
    target = parse_push_target(lookup.stdout, branch)
    if target is None:
        raise FixRefused(NO_REMOTE_BRANCH)
    remote, remote_ref, push_remote = target
    refusal = push_refusal(branch, remote, remote_ref, push_remote)
    if refusal is not None:
        raise FixRefused(refusal)
    program = (receive_packs or {}).get(remote)
    if _pushes_here(path, remote, deadline, git_env) and not trusted:
        program = LOCAL_RECEIVE_PACK
    # An explicit refspec without "+" is a fast-forward-only update whatever
    # push.default says; submodules stay untouched (push.recurseSubmodules).
    ref = f"refs/heads/{branch}"
    options = (f"--receive-pack={program}",) if program else ()
    args = ("push", "--quiet", "--no-recurse-submodules", *options, remote, f"{ref}:{ref}")
    return run_git(args, cwd=path, timeout=deadline - time.monotonic(), env=git_env)


def _pushes_here(path: Path, remote: str, deadline: float, git_env: dict[str, str]) -> bool:
    """Whether ``remote`` pushes to a repository on this machine; FixRefused when that
    repository has hooks, or when its push URLs are not all of one kind.

    The URLs come from git (``insteadOf``/``pushInsteadOf`` applied, every ``pushurl``).
    """
    urls = _read(("remote", "get-url", "--push", "--all", remote), path, deadline, git_env)
    found = urls.decode("utf-8", "replace").splitlines()
    local = [(url, where) for url in found if (where := local_path_of(url)) is not None]
    if not local:
        return False
    if len(local) != len(found):
        # One --receive-pack serves every URL of the push: ours would be sent over ssh.
        raise FixRefused("it pushes both to a repository on this machine and elsewhere")
    for url, where in local:
        refusal = _local_repo_refusal(path, url, where)
        if refusal is not None:
            raise FixRefused(refusal)
    return True


def _local_repo_refusal(work_tree: Path, url: str, local_path: str) -> str | None:
    """``local_remote_refusal`` for the repository at ``local_path`` (``url``'s), read
    without running git."""
    where = work_tree / local_path  # a relative path is the work tree's
    # git tries <path>, then <path>.git; a work tree's repository is its .git directory.
    candidates = [where, Path(f"{where}.git")]  # no with_name: "/" has no name
    git_dir = next((c for c in candidates if c.is_dir()), None)
    if git_dir is None:
        return None  # nothing there: git's push fails and says so
    if (git_dir / ".git").exists():
        git_dir = git_dir / ".git"
    if not git_dir.is_dir():
        return f"its remote {url} is a repository on this machine that cannot be read"
    try:
        config = load_repo_config(git_dir)
        listed = os.listdir(git_dir / "hooks") if (git_dir / "hooks").is_dir() else []
    except (OSError, StateHubError):
        return f"its remote {url} is a repository on this machine that cannot be read"
    hooks = [h for h in listed if not h.endswith(".sample") and (git_dir / "hooks" / h).is_file()]
    return local_remote_refusal(
        url, hooks, config.get("core.hooksPath"), config.get("receive.denyCurrentBranch")
    )
