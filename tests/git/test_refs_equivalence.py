"""The one-process inspection (refs read from files) says what the two-process one says.

Hypothesis draws a layout — branches with and without upstreams, equal, ahead, behind,
diverged or with their upstream deleted; loose, packed or a mix; a symbolic branch, a
dangling one; detached or unborn HEAD; a linked worktree — builds it as a real clone of a
real remote with git itself, and compares ``inspect_repo`` both ways, field by field. The
fallback triggers (reftable, an unparsable ref, ``remote = .``, settings from outside the
repo) are tested one by one below: each must ask git, and still agree with it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from statehub.fleet.state import RepoState
from statehub.git import inspect as inspect_module
from statehub.git.inspect import inspect_repo
from statehub.git.refs import LocalRefs, RefsUnknown, command_config_keys, read_local_refs
from statehub.git.repoconfig import load_repo_config
from statehub.git.runner import GitResult, run_git

TIMEOUT = 20
# Commits of the remote: base, two on a line after it (a1 → a2) and one beside (b1).
# A (tip, upstream tip) pair of them is equal, ahead, behind or diverged.
RELATIONS = {
    "equal": ("a1", "a1"),
    "ahead": ("a2", "a1"),
    "behind": ("base", "a2"),
    "diverged": ("b1", "a2"),
}
NAMES = ("alpha", "feat/one", "feat/two", "x-1", "zz")


def git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


@dataclass(frozen=True)
class Remote:
    path: Path
    commits: dict[str, str]


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Remote:
    """One bare remote for every example: cloning it is one git process."""
    path = tmp_path_factory.mktemp("refs-remote") / "origin.git"
    git(path.parent, "init", "--quiet", "--bare", str(path))
    empty_tree = git(path, "mktree", stdin="")
    commits: dict[str, str] = {}
    for name, parent in (("base", None), ("a1", "base"), ("a2", "a1"), ("b1", "base")):
        parents = ("-p", commits[parent]) if parent else ()
        commits[name] = git(path, "commit-tree", empty_tree, *parents, "-m", name)
    # A branch per commit, so that a clone has them all.
    updates = "".join(f"update refs/heads/{n} {oid}\n" for n, oid in commits.items())
    updates += f"update refs/heads/main {commits['a1']}\n"
    git(path, "update-ref", "--stdin", stdin=updates)
    # An annotated tag: packed, it is followed by its peeled line.
    git(path, "tag", "--annotate", "--message", "v1", "v1", commits["a1"])
    return Remote(path, commits)


# A second remote whose refspecs map main somewhere else first, then every branch: the first
# refspec that matches decides.
FORK_REFSPECS = ("+refs/heads/main:refs/remotes/fork/trunk", "+refs/heads/*:refs/remotes/fork/*")


@dataclass(frozen=True)
class BranchPlan:
    name: str
    relation: str  # a RELATIONS key, "none" (no upstream) or "gone" (upstream deleted)
    packed: bool  # created before `git pack-refs --all`, else loose after it
    stale_packed: bool = False  # packed at another commit, then moved: loose over packed
    remote: str = "origin"  # or "fork"
    merges_main: bool = False  # tracks the remote's main, not its own name

    @property
    def tracked(self) -> str:
        """The remote-tracking ref its upstream maps to (FORK_REFSPECS for the fork)."""
        if self.merges_main:
            return f"refs/remotes/{self.remote}/{'trunk' if self.remote == 'fork' else 'main'}"
        return f"refs/remotes/{self.remote}/{self.name}"


@dataclass(frozen=True)
class Layout:
    branches: tuple[BranchPlan, ...]
    head: str  # "main", "detached", "unborn" or a planned branch's name
    alias: str | None  # a symbolic branch pointing here ("dangling": at nothing)
    worktree: bool  # inspect a linked worktree of the clone instead
    pack_remotes: bool  # pack the remote-tracking refs too


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
    relations = st.sampled_from([*RELATIONS, "none", "gone"])
    branches = tuple(
        BranchPlan(
            n,
            draw(relations),
            packed=draw(st.booleans()),
            stale_packed=draw(st.booleans()),
            remote=draw(st.sampled_from(["origin", "fork"])),
            merges_main=draw(st.booleans()),
        )
        for n in names
    )
    head = draw(st.sampled_from(["main", "detached", "unborn", *names]))
    alias = draw(st.sampled_from([None, "dangling", "main", *names]))
    return Layout(branches, head, alias, draw(st.booleans()), draw(st.booleans()))


def _update_refs(repo: Path, updates: dict[str, str]) -> None:
    if updates:
        lines = "".join(f"update {ref} {oid}\n" for ref, oid in updates.items())
        git(repo, "update-ref", "--stdin", stdin=lines)


def _build(remote: Remote, root: Path, layout: Layout) -> Path:
    clone = root / "clone"
    git(root, "clone", "--quiet", str(remote.path), str(clone))
    c = remote.commits
    # ref → commit written before and after `git pack-refs --all` (the last plan wins a ref).
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    settings_: list[tuple[str, str]] = []
    settings_ += [("remote.fork.url", str(remote.path))]
    settings_ += [("remote.fork.fetch", spec) for spec in FORK_REFSPECS]
    for plan in layout.branches:
        tip, up = RELATIONS.get(plan.relation, ("a1", "a1"))
        ref = f"refs/heads/{plan.name}"
        if plan.stale_packed:
            before[ref] = c["b1" if tip != "b1" else "base"]
        (before if plan.packed and not plan.stale_packed else after)[ref] = c[tip]
        if plan.relation == "none":
            continue
        merge = "refs/heads/main" if plan.merges_main else ref
        settings_ += [(f"branch.{plan.name}.remote", plan.remote)]
        settings_ += [(f"branch.{plan.name}.merge", merge)]
        if plan.relation != "gone":  # a fetch would have brought it; written here directly
            (before if layout.pack_remotes else after)[plan.tracked] = c[up]
    _update_refs(clone, before)
    git(clone, "pack-refs", "--all")
    _update_refs(clone, after)
    for key, value in settings_:
        git(clone, "config", "--add", key, value)
    if layout.alias is not None:
        target = "nowhere" if layout.alias == "dangling" else layout.alias
        git(clone, "symbolic-ref", "refs/heads/alias", f"refs/heads/{target}")
    inspected = clone
    if layout.worktree:
        inspected = root / "worktree"
        git(clone, "worktree", "add", "--quiet", "--detach", str(inspected))
    # The commits share the empty tree: moving HEAD leaves the work tree as it is.
    if layout.head == "detached":
        git(inspected, "update-ref", "--no-deref", "HEAD", c["b1"])
    elif layout.head == "unborn":
        git(inspected, "symbolic-ref", "HEAD", "refs/heads/unborn")
    else:
        git(inspected, "symbolic-ref", "HEAD", f"refs/heads/{layout.head}")
    return inspected


class CountedGit:
    """Counts the git commands inspect runs (each still runs, for real)."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    def __call__(self, args: tuple[str, ...], **kwargs: object) -> GitResult:
        self.commands.append(args[0])
        return run_git(args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> CountedGit:
    spy = CountedGit()
    monkeypatch.setattr(inspect_module, "run_git", spy)
    return spy


def _both_ways(path: Path, counted: CountedGit, **kwargs: object) -> tuple[RepoState, list[str]]:
    """Both inspections, asserted equal; the commands the one-process way ran."""
    counted.commands.clear()
    from_files = inspect_repo(path, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]
    ran = list(counted.commands)
    from_git = inspect_repo(path, timeout=TIMEOUT, refs_from_files=False, **kwargs)  # type: ignore[arg-type]
    assert from_files == from_git
    return from_files, ran


_counter = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(layout=layouts())
def test_one_process_says_what_two_processes_say(
    remote: Remote, tmp_path: Path, counted: CountedGit, layout: Layout
) -> None:
    root = tmp_path / f"example-{next(_counter)}"
    root.mkdir()
    try:
        path = _build(remote, root, layout)
        note(f"layout: {layout}")
        state, ran = _both_ways(path, counted)
        assert ran[0] == "status"
        # git's own answer says whether it was needed: some other branch is ahead or behind.
        needed = any(b.ahead or b.behind for b in state.other_branches)
        assert ("for-each-ref" in ran) == needed, ran
        event("one process" if len(ran) == 1 else "status and for-each-ref")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def clone(remote: Remote, tmp_path: Path) -> Path:
    layout = Layout(
        branches=(BranchPlan("alpha", "equal", False), BranchPlan("zz", "gone", True)),
        head="main",
        alias=None,
        worktree=False,
        pack_remotes=False,
    )
    return _build(remote, tmp_path, layout)


def test_a_plain_clone_costs_one_git_process(clone: Path, counted: CountedGit) -> None:
    state, ran = _both_ways(clone, counted)
    assert ran == ["status"]
    assert [b.name for b in state.other_branches] == ["alpha", "zz"]
    assert state.other_branches[1].upstream_gone


def test_a_branch_checked_out_elsewhere_does_not_call_for_git(
    clone: Path, counted: CountedGit
) -> None:
    git(clone, "update-ref", "refs/heads/alpha", git(clone, "rev-parse", "origin/b1"))
    _, ran = _both_ways(clone, counted)
    assert ran == ["status", "for-each-ref"]
    state, ran = _both_ways(clone, counted, elsewhere=frozenset({"alpha"}))
    assert ran == ["status"]
    assert [b.name for b in state.other_branches] == ["zz"]


def _asks_git(path: Path, counted: CountedGit, reason: str, **kwargs: object) -> None:
    config = load_repo_config(path / ".git")
    outside = kwargs.get("outside_keys", ())
    found = read_local_refs(config, outside)  # type: ignore[arg-type]
    assert isinstance(found, RefsUnknown), found
    assert reason in found.reason
    _, ran = _both_ways(path, counted, **kwargs)
    assert ran == ["status", "for-each-ref"]


def test_reftable_asks_git(clone: Path, counted: CountedGit) -> None:
    # git 2.39 cannot make a reftable repo; with format version 0 it ignores the extension
    # and keeps its files, so the answer is still comparable. What matters: not read here.
    git(clone, "config", "extensions.refStorage", "reftable")
    _asks_git(clone, counted, "extensions.refstorage")


def test_an_unparsable_ref_asks_git(clone: Path, counted: CountedGit) -> None:
    (clone / ".git/refs/heads/broken").write_text("not an object id\n")
    _asks_git(clone, counted, "loose ref holds")


def test_an_upstream_that_is_a_local_branch_asks_git(clone: Path, counted: CountedGit) -> None:
    git(clone, "branch", "--quiet", "--track", "follows-main", "main")  # branch.x.remote = .
    _asks_git(clone, counted, "'.'")


def test_a_refspec_not_mapped_with_certainty_asks_git(clone: Path, counted: CountedGit) -> None:
    git(clone, "config", "--add", "remote.origin.fetch", "^refs/heads/zz")
    _asks_git(clone, counted, "fetch refspec")


def test_branch_settings_from_outside_the_repo_ask_git(clone: Path, counted: CountedGit) -> None:
    env = {**os.environ, "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "branch.zz.merge"}
    env["GIT_CONFIG_VALUE_0"] = "refs/heads/alpha"
    keys = command_config_keys(env)
    _asks_git(clone, counted, "outside the repo", outside_keys=keys, env=env)


def test_settings_outside_the_repo_that_track_nothing_do_not_ask_git(
    clone: Path, counted: CountedGit
) -> None:
    env = {**os.environ, "GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "branch.sort"}
    env |= {"GIT_CONFIG_VALUE_0": "-refname", "GIT_CONFIG_KEY_1": "remote.pushDefault"}
    env["GIT_CONFIG_VALUE_1"] = "origin"
    _, ran = _both_ways(clone, counted, outside_keys=command_config_keys(env), env=env)
    assert ran == ["status"]


def test_a_name_git_would_shorten_otherwise_asks_git(clone: Path, counted: CountedGit) -> None:
    # A tag named like the upstream makes %(upstream:short) "remotes/origin/alpha".
    git(clone, "tag", "origin/alpha")
    _asks_git(clone, counted, "shortened otherwise")


def test_branches_come_in_for_each_ref_order(clone: Path) -> None:
    found = read_local_refs(load_repo_config(clone / ".git"))
    assert isinstance(found, LocalRefs)
    assert [b.name for b in found.branches] == ["alpha", "main", "zz"]


def test_an_upstream_ref_that_is_a_symlink_asks_git(clone: Path, counted: CountedGit) -> None:
    # git reads a symlinked ref (its legacy symbolic ref); the file reader leaves it to git.
    tracked = clone / ".git/refs/remotes/origin/alpha"
    target = clone.parent / "alpha-ref"
    target.write_text(tracked.read_text())
    tracked.unlink()
    tracked.symlink_to(target)
    _asks_git(clone, counted, "is a symbolic link")


def test_a_remote_directory_that_is_a_symlink_is_read_through(
    clone: Path, counted: CountedGit
) -> None:
    # As git's loose-ref lookups do: a symlinked directory on the way to a ref is followed.
    remotes = clone / ".git/refs/remotes"
    moved = clone.parent / "origin-refs"
    (remotes / "origin").rename(moved)
    (remotes / "origin").symlink_to(moved)
    state, ran = _both_ways(clone, counted)
    assert ran == ["status"]
    assert state.other_branches[0].upstream_head == git(clone, "rev-parse", "origin/alpha")


def test_remote_refs_no_branch_tracks_are_not_read(clone: Path, counted: CountedGit) -> None:
    # for-each-ref skips them with a warning; they change nothing the sweep reports.
    other = clone / ".git/refs/remotes/other"
    other.mkdir(parents=True)
    (other / "garbage").write_text("not an object id\n")
    (other / "bad..name").write_text(git(clone, "rev-parse", "HEAD") + "\n")
    (other / "link").symlink_to(clone / ".git/refs/heads/main")
    _, ran = _both_ways(clone, counted)
    assert ran == ["status"]


def test_a_bare_name_in_the_git_dir_is_looked_for(clone: Path, counted: CountedGit) -> None:
    # The git dir's listing spares the lstat of a bare name, but a file there still counts:
    # `git rev-parse origin/alpha` would find .git/origin/alpha first.
    (clone / ".git/origin").mkdir()
    (clone / ".git/origin/alpha").write_text(git(clone, "rev-parse", "HEAD") + "\n")
    _asks_git(clone, counted, "shortened otherwise")


def test_a_head_under_the_upstreams_name_asks_git(clone: Path, counted: CountedGit) -> None:
    # refs/remotes/origin/alpha packed, and a directory of that name holding a HEAD: git
    # would shorten the upstream otherwise. The read of the upstream's loose file finds the
    # directory, so the HEAD under it is looked for.
    git(clone, "pack-refs", "--all")
    folder = clone / ".git/refs/remotes/origin/alpha"
    folder.mkdir()
    (folder / "HEAD").write_text("ref: refs/remotes/origin/main\n")
    _asks_git(clone, counted, "shortened otherwise")
