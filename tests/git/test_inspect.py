"""inspect_repo / fetch_all / fast_forward / push_branch against real repos.

Every FleetBuilder state is inspected here, so these tests also prove the
builder makes what it says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from statehub.demofleet import build_demo_fleet
from statehub.errors import FixRefused, InspectError, NotAGitRepo
from statehub.fleet.state import BranchState, Finding, Operation, RepoState, findings_for
from statehub.git import inspect as inspect_module
from statehub.git.inspect import fast_forward, fetch_all, inspect_repo, push_branch
from statehub.git.runner import GitTimeout
from testing.fleet import FleetBuilder
from testing.processes import read_pids, survivors

F = Finding
TIMEOUT = 10.0


def _inspect(path: Path) -> RepoState:
    return inspect_repo(path, timeout=TIMEOUT)


def _findings(path: Path) -> list[Finding]:
    return findings_for(_inspect(path))


_STATES: list[tuple[str, list[Finding], Operation | None]] = [
    ("clean", [], None),
    ("dirty", [F.DIRTY], None),
    ("staged", [F.STAGED], None),
    ("untracked", [F.UNTRACKED], None),
    ("conflicted", [F.CONFLICTED, F.OPERATION_IN_PROGRESS], Operation.MERGE),
    ("stash", [F.STASH], None),
    ("ahead", [F.AHEAD], None),
    ("detached", [F.DETACHED], None),
    ("no_upstream", [F.NO_UPSTREAM], None),
    ("upstream_gone", [F.NO_UPSTREAM], None),
    ("ahead_on_other_branch", [F.AHEAD], None),
    ("merge_in_progress", [F.OPERATION_IN_PROGRESS], Operation.MERGE),
    # git detaches HEAD for the length of a rebase
    ("rebase_in_progress", [F.DETACHED, F.OPERATION_IN_PROGRESS], Operation.REBASE),
    (
        "cherry_pick_in_progress",
        [F.CONFLICTED, F.OPERATION_IN_PROGRESS],
        Operation.CHERRY_PICK,
    ),
    ("revert_in_progress", [F.CONFLICTED, F.OPERATION_IN_PROGRESS], Operation.REVERT),
    ("bisect_in_progress", [F.OPERATION_IN_PROGRESS], Operation.BISECT),
]


@pytest.mark.parametrize(("state", "expected", "operation"), _STATES, ids=[s[0] for s in _STATES])
def test_it_finds_each_state(
    fleet_builder: FleetBuilder,
    state: str,
    expected: list[Finding],
    operation: Operation | None,
) -> None:
    build: Callable[[str], Path] = getattr(fleet_builder, state)
    observed = _inspect(build(state))
    assert findings_for(observed) == expected
    assert observed.operation == operation


def test_it_reports_the_checked_out_branch_and_its_upstream(fleet_builder: FleetBuilder) -> None:
    state = _inspect(fleet_builder.ahead("repo"))
    assert (state.branch, state.upstream, state.ahead, state.behind) == (
        "main",
        "origin/main",
        1,
        0,
    )
    assert state.head is not None and len(state.head) == 40
    assert state.other_branches == ()


def test_it_sees_unpushed_work_on_a_branch_not_checked_out(fleet_builder: FleetBuilder) -> None:
    state = _inspect(fleet_builder.ahead_on_other_branch("repo"))
    assert state.branch == "main" and state.ahead == 0
    [feature] = state.other_branches
    assert (feature.name, feature.upstream, feature.ahead) == ("feature", "origin/feature", 1)


def test_a_gone_upstream_is_named_and_flagged(fleet_builder: FleetBuilder) -> None:
    state = _inspect(fleet_builder.upstream_gone("repo"))
    assert (state.branch, state.upstream, state.upstream_gone) == (
        "feature",
        "origin/feature",
        True,
    )
    assert [b.name for b in state.other_branches] == ["main"]


def test_a_detached_head_lists_every_branch(fleet_builder: FleetBuilder) -> None:
    state = _inspect(fleet_builder.detached("repo"))
    assert state.branch is None
    assert state.other_branches == (
        BranchState(
            "main",
            state.head,
            "origin/main",
            remote="origin",
            remote_ref="refs/heads/main",
            upstream_head=state.head,
        ),
    )


def test_behind_shows_only_after_a_fetch(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.behind("repo")
    assert _findings(repo) == []
    assert fetch_all(repo, timeout=TIMEOUT).ok
    assert _findings(repo) == [F.BEHIND]


def test_diverged_shows_only_after_a_fetch(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.diverged("repo")
    assert _findings(repo) == [F.AHEAD]
    assert fetch_all(repo, timeout=TIMEOUT).ok
    assert _findings(repo) == [F.DIVERGED]


def test_fetch_leaves_fetch_head_alone(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.behind("repo")
    assert fetch_all(repo, timeout=TIMEOUT).ok
    assert not (repo / ".git" / "FETCH_HEAD").exists()  # a user's `git pull` owns it


def test_a_repo_without_remotes_fetches_fine(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.clean("repo")
    fleet_builder.git(repo, "remote", "remove", "origin")
    assert fetch_all(repo, timeout=TIMEOUT).ok


def test_it_reads_a_linked_worktree_through_its_gitfile(fleet_builder: FleetBuilder) -> None:
    main = fleet_builder.clean("repo")
    linked = main.parent / "repo-linked"
    fleet_builder.git(main, "worktree", "add", "--quiet", "-b", "side", str(linked))
    fleet_builder.git(linked, "bisect", "start")
    assert (linked / ".git").is_file()
    linked_state = _inspect(linked)
    assert (linked_state.branch, linked_state.operation) == ("side", Operation.BISECT)
    assert _inspect(main).operation is None  # the bisect belongs to the linked worktree only


def test_status_does_not_rewrite_the_index(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.clean("repo")
    readme = repo / "README.md"
    readme.write_text(readme.read_text())  # same content, new mtime: the index is stale
    index = repo / ".git" / "index"
    before = index.read_bytes()
    assert _findings(repo) == []
    # Without GIT_OPTIONAL_LOCKS=0 status would refresh and rewrite it, under
    # index.lock, racing the user's own git.
    assert index.read_bytes() == before


def test_it_runs_one_git_process_when_the_ref_files_say_enough(
    fleet_builder: FleetBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = fleet_builder.rebase_in_progress("repo")
    calls: list[tuple[str, ...]] = []
    real_run_git = inspect_module.run_git

    def counting_run_git(args: tuple[str, ...], **kwargs: object) -> object:
        calls.append(tuple(args))
        return real_run_git(args, **kwargs)  # type: ignore[arg-type]

    # A spy, not a fake: the real git still runs; only the count is recorded.
    monkeypatch.setattr(inspect_module, "run_git", counting_run_git)
    assert _inspect(repo).operation is Operation.REBASE
    # The operation comes from marker files, the other branches' tips from the ref files.
    assert [call[0] for call in calls] == ["status"]
    calls.clear()
    forced = inspect_repo(repo, timeout=TIMEOUT, refs_from_files=False)
    assert forced == _inspect(repo)
    assert [call[0] for call in calls] == ["status", "for-each-ref", "status"]


def test_a_plain_directory_is_not_a_git_repo(fleet_builder: FleetBuilder) -> None:
    with pytest.raises(NotAGitRepo, match=r"has no \.git"):
        _inspect(fleet_builder.not_a_repo("plain"))


def test_a_file_is_not_a_git_repo(tmp_path: Path) -> None:
    path = tmp_path / "file.txt"
    path.write_text("hi")
    with pytest.raises(NotAGitRepo, match="not a directory"):
        _inspect(path)


def test_a_missing_path_is_file_not_found(fleet_builder: FleetBuilder) -> None:
    with pytest.raises(FileNotFoundError):
        _inspect(fleet_builder.missing("gone"))


def test_a_garbage_head_is_an_inspect_error(fleet_builder: FleetBuilder) -> None:
    with pytest.raises(InspectError, match="not a git repository"):
        _inspect(fleet_builder.corrupt("corrupt"))


def test_a_broken_repo_inside_another_repo_is_not_reported_as_the_outer_one(
    fleet_builder: FleetBuilder, tmp_path: Path
) -> None:
    # Without a ceiling git would walk up from the broken repo to tmp_path's.
    fleet_builder.git(tmp_path, "init", "--quiet", str(tmp_path))
    with pytest.raises(InspectError):
        _inspect(fleet_builder.corrupt("corrupt"))


def test_a_missing_object_is_an_inspect_error(fleet_builder: FleetBuilder) -> None:
    with pytest.raises(InspectError, match="bad object HEAD"):
        _inspect(fleet_builder.missing_object("broken"))


def test_a_bad_gitfile_is_an_inspect_error(tmp_path: Path) -> None:
    (tmp_path / ".git").write_text("nonsense\n")
    with pytest.raises(InspectError, match="gitfile"):
        _inspect(tmp_path)


def test_a_status_that_hangs_times_out(fleet_builder: FleetBuilder, tmp_path: Path) -> None:
    repo = fleet_builder.clean("repo")
    pids = tmp_path / "fsmonitor.pids"
    hook = tmp_path / "fsmonitor.sh"
    hook.write_text(f"#!/bin/sh\necho $$ >> {pids}\nsleep 300 &\necho $! >> {pids}\nwait\n")
    hook.chmod(0o755)
    # git status asks the fsmonitor hook what changed and waits for its answer.
    fleet_builder.git(repo, "config", "core.fsmonitor", str(hook))
    started = time.monotonic()
    with pytest.raises(GitTimeout):
        inspect_repo(repo, timeout=1)
    assert time.monotonic() - started < 3
    assert survivors(read_pids(pids, expect=2)) == []


def test_a_remote_that_wants_a_password_fails_fast(
    fleet_builder: FleetBuilder, password_server_url: str
) -> None:
    repo = fleet_builder.password_remote("private", password_server_url)
    started = time.monotonic()
    outcome = fetch_all(repo, timeout=TIMEOUT)
    assert time.monotonic() - started < 5
    assert (outcome.ok, outcome.timed_out) == (False, False)
    assert outcome.message is not None and "terminal prompts disabled" in outcome.message


def test_a_hanging_remote_times_out_and_leaves_no_process(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.hanging_remote("hangs")
    started = time.monotonic()
    outcome = fetch_all(repo, timeout=2)
    assert time.monotonic() - started < 3
    assert (outcome.ok, outcome.timed_out) == (False, True)
    pids = read_pids(fleet_builder.hang_pids_file("hangs"), expect=2)
    assert len(pids) == 2  # the upload-pack stand-in and its sleep both started...
    assert survivors(pids) == []  # ...and both were killed with git's process group


def test_fast_forward_brings_a_behind_branch_up_to_date(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.behind("repo")
    fetch_all(repo, timeout=TIMEOUT)
    assert fast_forward(repo, timeout=TIMEOUT).ok
    assert _findings(repo) == []


def test_fast_forward_refuses_a_diverged_branch(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.diverged("repo")
    fetch_all(repo, timeout=TIMEOUT)
    head = _inspect(repo).head
    result = fast_forward(repo, timeout=TIMEOUT)
    assert not result.ok and result.error_line().startswith("fatal:")
    assert _inspect(repo).head == head


def test_push_publishes_an_ahead_branch(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.ahead("repo")
    assert push_branch(repo, "main", timeout=TIMEOUT).ok
    assert _findings(repo) == []


def test_push_publishes_a_branch_that_is_not_checked_out(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.ahead_on_other_branch("repo")
    assert push_branch(repo, "feature", timeout=TIMEOUT).ok
    assert _findings(repo) == []


def test_push_never_forces(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.diverged("repo")
    remote = fleet_builder.remotes / "repo.git"
    remote_head = fleet_builder.git(remote, "rev-parse", "main").stdout
    result = push_branch(repo, "main", timeout=TIMEOUT)
    assert not result.ok and "rejected" in result.stderr
    assert fleet_builder.git(remote, "rev-parse", "main").stdout == remote_head


def test_push_refuses_a_branch_without_upstream(fleet_builder: FleetBuilder) -> None:
    with pytest.raises(FixRefused, match=r"^it does not track a branch on a remote$"):
        push_branch(fleet_builder.no_upstream("repo"), "main", timeout=TIMEOUT)


def test_the_demo_fleet_has_a_mix_of_states(tmp_path: Path) -> None:
    fleet = build_demo_fleet(tmp_path / "demo")
    found = {name: _findings(path) for name, path in fleet.items()}
    assert found["website"] == []
    assert 6 <= len(fleet) <= 12
    assert sum(1 for findings in found.values() if findings) >= 5


def test_a_push_url_of_the_root_or_of_nothing_is_looked_at_without_failing(tmp_path: Path) -> None:
    """A repo's config may name any URL: the look at a local remote must never raise."""
    from statehub.git.inspect import _local_repo_refusal

    # Nothing there: git's push fails and says why.
    assert _local_repo_refusal(tmp_path, "nothing-here", "nothing-here") is None
    _local_repo_refusal(tmp_path, "file:///", "/")  # no exception is the point (/ has no name)
    _local_repo_refusal(tmp_path, "/", "/")
