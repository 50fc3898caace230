"""Why each finding needs action, and what to type next, for one repo. Pure: no I/O.

``explain`` turns what a check saw into one ``Detail`` per finding: what it is about
(which branch, how far, which operation, which remote and git's line), what the code
means, and the commands that would take the operator forward in *this* repo. Every
path and name in a command is shell-quoted: a command is meant to be pasted.

The dataclasses here are the ``details`` of the result document as they are, so the document,
the store and the pages cannot drift apart: each writes itself (``document()``, field for
field as pydantic dumps a dataclass, which is how the readers validate them back).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from statehub.fleet.state import BranchState, Finding, Operation, RepoState

# One line per code, for the CLI, the API and the dashboard's legend and tooltips. Keyed by
# the code's text, so the codes a repo can be reported with outside ``Finding`` (missing,
# error) have their line too.
MEANINGS: dict[str, str] = {
    Finding.DIRTY: "tracked files have changes nobody committed",
    Finding.STAGED: "changes are staged in the index but not committed",
    Finding.UNTRACKED: "files git does not track (and does not ignore) are in the work tree",
    Finding.CONFLICTED: "paths are unmerged: a merge, rebase or pick stopped on a conflict",
    Finding.AHEAD: "a branch has commits its upstream does not: push them or they are at risk",
    Finding.BEHIND: "a branch's upstream has commits the branch does not: bring them in",
    Finding.DIVERGED: "a branch and its upstream both have commits the other lacks",
    Finding.DETACHED: "HEAD is on no branch: new commits there belong to no branch",
    Finding.NO_UPSTREAM: "a branch tracks no upstream (or its upstream was deleted)",
    Finding.STASH: "stashed changes are waiting in the stash",
    Finding.OPERATION_IN_PROGRESS: "a merge, rebase, cherry-pick, revert or bisect is unfinished",
    Finding.FETCH_FAILED: "a remote could not be fetched, so the branch states may be stale",
    Finding.FETCH_TIMEOUT: "fetching did not finish in time, so the branch states may be stale",
    "untrusted_config": (
        "the repo's own config or hooks name programs; the sweep did not run them"
    ),
    "missing": "the registered path no longer exists",
    "error": "git could not read the repo (not a work tree, corrupt, or unreadable)",
}

# How an unfinished operation goes on or is undone; bisect has no --continue.
_OPERATION_COMMANDS: dict[str, tuple[str, ...]] = {
    Operation.MERGE: ("merge --continue", "merge --abort"),
    Operation.REBASE: ("rebase --continue", "rebase --abort"),
    Operation.CHERRY_PICK: ("cherry-pick --continue", "cherry-pick --abort"),
    Operation.REVERT: ("revert --continue", "revert --abort"),
    Operation.BISECT: ("bisect log", "bisect reset"),
}

_HEADS = "refs/heads/"


@dataclass(frozen=True)
class BranchGap:
    """One branch the finding is about, and how it stands against its upstream."""

    name: str
    upstream: str | None
    ahead: int = 0
    behind: int = 0
    current: bool = False  # the checked-out branch
    upstream_gone: bool = False

    def document(self) -> dict[str, object]:
        return {
            "name": self.name,
            "upstream": self.upstream,
            "ahead": self.ahead,
            "behind": self.behind,
            "current": self.current,
            "upstream_gone": self.upstream_gone,
        }


@dataclass(frozen=True)
class RemoteFailure:
    """A remote that could not be fetched; ``remote`` is None when git did not say which."""

    remote: str | None
    message: str

    def document(self) -> dict[str, object]:
        return {"remote": self.remote, "message": self.message}


@dataclass(frozen=True)
class Detail:
    """One finding of one repo, explained."""

    finding: str
    about: str  # what it is about, in one line: "feature: 1 ahead of origin/feature"
    meaning: str
    suggestion: str | None  # the commands as one line, the first preferred
    commands: tuple[str, ...] = ()
    branches: tuple[BranchGap, ...] = ()
    operation: str | None = None
    count: int | None = None  # paths, stashes
    remotes: tuple[RemoteFailure, ...] = ()
    config: tuple[str, ...] = ()  # the untrusted keys and hooks

    def document(self) -> dict[str, object]:
        """JSON-ready: the tuples as lists."""
        return {
            "finding": self.finding,
            "about": self.about,
            "meaning": self.meaning,
            "suggestion": self.suggestion,
            "commands": list(self.commands),
            "branches": [b.document() for b in self.branches],
            "operation": self.operation,
            "count": self.count,
            "remotes": [r.document() for r in self.remotes],
            "config": list(self.config),
        }


@dataclass(frozen=True)
class FetchFacts:
    """How the fetch before the inspection went."""

    message: str | None = None
    failed: tuple[tuple[str, str], ...] = ()  # (remote, git's line), when git named them
    remotes: tuple[str, ...] = ()  # every remote the repo names, when known


def meaning(code: str) -> str:
    return MEANINGS.get(code, code.replace("_", " "))


class _Git:
    """``git -C <path> …`` with everything quoted."""

    def __init__(self, path: str) -> None:
        self.prefix = f"git -C {shlex.quote(path)}"

    def __call__(self, *words: str) -> str:
        return " ".join((self.prefix, *(shlex.quote(w) for w in words)))

    def raw(self, args: str) -> str:
        """Fixed git arguments (no user data in them)."""
        return f"{self.prefix} {args}"


def _detail(
    code: str,
    about: str,
    commands: Sequence[str],
    *,
    branches: tuple[BranchGap, ...] = (),
    operation: str | None = None,
    count: int | None = None,
    remotes: tuple[RemoteFailure, ...] = (),
    config: tuple[str, ...] = (),
) -> Detail:
    return Detail(
        finding=code,
        about=about,
        meaning=meaning(code),
        suggestion="  or  ".join(commands) if commands else None,
        commands=tuple(commands),
        branches=branches,
        operation=operation,
        count=count,
        remotes=remotes,
        config=config,
    )


def _gaps(state: RepoState) -> list[tuple[BranchGap, BranchState]]:
    """Every branch with its relation to its upstream; the checked-out one first."""
    found: list[tuple[BranchGap, BranchState]] = []
    if state.branch is not None and state.head is not None:
        current = BranchState(
            name=state.branch,
            head=state.head,
            upstream=state.upstream,
            upstream_gone=state.upstream_gone,
            ahead=state.ahead,
            behind=state.behind,
            remote=state.upstream_remote,
            remote_ref=state.upstream_remote_ref,
        )
        found.append((_gap(current, current=True), current))
    found += [(_gap(b, current=False), b) for b in state.other_branches]
    return found


def _gap(branch: BranchState, *, current: bool) -> BranchGap:
    return BranchGap(
        name=branch.name,
        upstream=branch.upstream,
        ahead=branch.ahead,
        behind=branch.behind,
        current=current,
        upstream_gone=branch.upstream_gone,
    )


def _tracked(b: BranchState) -> bool:
    return b.upstream is not None and not b.upstream_gone


def _push(git: _Git, b: BranchState) -> str:
    if not b.remote or b.remote == ".":  # it tracks another local branch: nothing to publish
        return git("log", "--oneline", f"{b.upstream}..{b.name}")
    target = b.remote_ref.removeprefix(_HEADS) if b.remote_ref else b.name
    refspec = b.name if target == b.name else f"{b.name}:{target}"
    return git("push", b.remote, refspec)


def _pull(git: _Git, gap: BranchGap) -> str:
    if gap.current:
        return git.raw("pull --ff-only")
    # A branch that is not checked out is fast-forwarded from its remote-tracking ref
    # without touching the work tree; fetch refuses anything but a fast-forward.
    return git("fetch", ".", f"{gap.upstream}:{gap.name}")


def _moves(gap: BranchGap) -> str:
    if gap.ahead and gap.behind:
        return f"{gap.name}: {gap.ahead} ahead, {gap.behind} behind {gap.upstream}"
    if gap.ahead:
        return f"{gap.name}: {gap.ahead} ahead of {gap.upstream}"
    return f"{gap.name}: {gap.behind} behind {gap.upstream}"


def _relations(git: _Git, state: RepoState, remotes: Sequence[str]) -> dict[str, Detail]:
    ahead, behind, diverged, unset = [], [], [], []
    gaps = _gaps(state)
    # The remotes the repo's branches track: where an untracked branch would go too.
    remotes = [b.remote for _, b in gaps if b.remote and b.remote != "."] + list(remotes)
    for gap, branch in gaps:
        if not _tracked(branch):
            unset.append((gap, branch))
        elif gap.ahead and gap.behind:
            diverged.append((gap, branch))
        elif gap.ahead:
            ahead.append((gap, branch))
        elif gap.behind:
            behind.append((gap, branch))
    details: dict[str, Detail] = {}
    if ahead:
        details[Finding.AHEAD] = _detail(
            Finding.AHEAD,
            "; ".join(_moves(g) for g, _ in ahead),
            [_push(git, b) for _, b in ahead],
            branches=tuple(g for g, _ in ahead),
        )
    if behind:
        details[Finding.BEHIND] = _detail(
            Finding.BEHIND,
            "; ".join(_moves(g) for g, _ in behind),
            [_pull(git, g) for g, _ in behind],
            branches=tuple(g for g, _ in behind),
        )
    if diverged:
        details[Finding.DIVERGED] = _detail(
            Finding.DIVERGED,
            "; ".join(_moves(g) for g, _ in diverged) + ": rebase or merge, then push",
            [
                git("log", "--oneline", "--left-right", f"{g.name}...{g.upstream}")
                for g, _ in diverged
            ],
            branches=tuple(g for g, _ in diverged),
        )
    if unset:
        details[Finding.NO_UPSTREAM] = _no_upstream(git, unset, remotes)
    return details


def _no_upstream(
    git: _Git, unset: list[tuple[BranchGap, BranchState]], remotes: Sequence[str]
) -> Detail:
    fallback = "origin" if "origin" in remotes else (remotes[0] if remotes else None)
    commands: list[str] = []
    about: list[str] = []
    for gap, branch in unset:
        if gap.upstream_gone:
            about.append(f"{gap.name}: its upstream {gap.upstream} is gone")
        else:
            about.append(f"{gap.name} tracks nothing")
        remote = branch.remote if branch.remote and branch.remote != "." else fallback
        if remote is not None:
            commands.append(git("push", "-u", remote, gap.name))
    if not commands:  # no remote at all: one has to be added before anything is pushed
        commands.append(git.raw("remote -v"))
    return _detail(
        Finding.NO_UPSTREAM, "; ".join(about), commands, branches=tuple(g for g, _ in unset)
    )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# Findings that count paths or stashes: (finding, the RepoState field that counts it, the
# about-line's noun for one and for many, the git commands that show them).
_COUNTED: tuple[tuple[Finding, str, str, str, tuple[str, ...]], ...] = (
    (
        Finding.DIRTY,
        "modified",
        "tracked file modified",
        "tracked files modified",
        ("status --short", "diff --stat"),
    ),
    (Finding.STAGED, "staged", "change staged", "changes staged", ("diff --cached --stat",)),
    (
        Finding.UNTRACKED,
        "untracked",
        "untracked path",
        "untracked paths",
        ("status --short --untracked-files=all",),
    ),
    (
        Finding.CONFLICTED,
        "conflicted",
        "unmerged path",
        "unmerged paths",
        ("diff --name-only --diff-filter=U",),
    ),
    (Finding.STASH, "stashes", "stash", "stashes", ("stash list",)),
)


def _work_tree(git: _Git, state: RepoState) -> dict[str, Detail]:
    details: dict[str, Detail] = {}
    for finding, field, one, many, commands in _COUNTED:
        count: int = getattr(state, field)
        if count:
            about = _plural(count, one, many)
            details[finding] = _detail(finding, about, [git.raw(c) for c in commands], count=count)
    return details


def _head(git: _Git, state: RepoState) -> dict[str, Detail]:
    details: dict[str, Detail] = {}
    if state.operation is not None:
        op = Operation(state.operation)
        details[Finding.OPERATION_IN_PROGRESS] = _detail(
            Finding.OPERATION_IN_PROGRESS,
            f"a {op.value} is in progress",
            [git.raw(args) for args in _OPERATION_COMMANDS[op]],
            operation=op.value,
        )
    if state.detached:
        at = f" at {state.head[:12]}" if state.head else ""
        details[Finding.DETACHED] = _detail(
            Finding.DETACHED,
            f"HEAD is detached{at}",
            [git.raw("branch --all --contains HEAD")],
        )
    return details


def _fetch(git: _Git, fetch: FetchFacts) -> dict[str, Detail]:
    failures = tuple(RemoteFailure(remote, line) for remote, line in fetch.failed) or (
        (RemoteFailure(None, fetch.message),) if fetch.message else ()
    )
    named = [f.remote for f in failures if f.remote]
    about = "; ".join(f"{f.remote}: {f.message}" if f.remote else f.message for f in failures)
    retry = [git("fetch", remote) for remote in named] or [git.raw("fetch --all")]
    failed = _detail(
        Finding.FETCH_FAILED,
        about or "git fetch failed",
        [git.raw("remote -v"), *retry],
        remotes=failures,
    )
    timed_out = _detail(
        Finding.FETCH_TIMEOUT,
        about or "git fetch did not finish in time",
        [git.raw("remote -v"), f"timeout 60 {git.raw('fetch --all')}"],
        remotes=failures,
    )
    return {Finding.FETCH_FAILED: failed, Finding.FETCH_TIMEOUT: timed_out}


def _untrusted(path: str, state: RepoState | None) -> Detail:
    keys: tuple[str, ...] = tuple(getattr(state, "untrusted_config", ()) or ())
    quoted = shlex.quote(path)
    return _detail(
        "untrusted_config",
        ", ".join(keys) or "the repo's own config names programs",
        # Neither runs a program the repo names: git config reads, it does not execute.
        [f"git -C {quoted} config --local --list --show-origin", f"ls -la {quoted}/.git/hooks"],
        config=keys,
    )


def explain(
    findings: Sequence[str],
    state: RepoState | None,
    *,
    path: str,
    fetch: FetchFacts | None = None,
) -> list[Detail]:
    """One Detail per finding, in the order of ``findings``."""
    git = _Git(path)
    fetch = fetch or FetchFacts()
    known: dict[str, Detail] = {}
    if state is not None:
        known |= _work_tree(git, state) | _head(git, state)
        known |= _relations(git, state, fetch.remotes)
    if Finding.FETCH_FAILED in findings or Finding.FETCH_TIMEOUT in findings:
        known |= _fetch(git, fetch)
    if "untrusted_config" in findings:
        known["untrusted_config"] = _untrusted(path, state)
    return [known.get(code) or describe(code, path) for code in findings]


def describe(code: str, path: str) -> Detail:
    """A finding explained without the state behind it (an old record, an unknown code)."""
    return _detail(code, "", [] if code == "missing" else [_Git(path).raw("status")])
