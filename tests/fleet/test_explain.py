"""Each finding explained for its repo: on real repos, by running what it suggests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from statehub.fleet.explain import MEANINGS, Detail, FetchFacts, describe, explain
from statehub.fleet.state import Finding, RepoState, findings_for
from statehub.git.inspect import fetch_all, inspect_repo
from testing.fleet import FleetBuilder

TIMEOUT = 20.0


def _look(path: Path, *, fetch: bool = True) -> tuple[RepoState, dict[str, Detail]]:
    if fetch:
        assert fetch_all(path, timeout=TIMEOUT).ok
    state = inspect_repo(path, timeout=TIMEOUT)
    found = [f.value for f in findings_for(state)]
    details = explain(found, state, path=str(path))
    assert [d.finding for d in details] == found
    return state, {d.finding: d for d in details}


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A suggestion as an operator runs it: pasted into a shell."""
    return subprocess.run(
        ["sh", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_every_finding_code_has_a_meaning() -> None:
    # Iterates the enum, so a code added later fails here until it is explained.
    for finding in Finding:
        assert MEANINGS.get(finding.value), finding
        assert describe(finding.value, "/src/x").meaning == MEANINGS[finding.value]
    assert "untrusted_config" in MEANINGS  # the trust boundary's finding (docs/security.md)


def test_ahead_on_another_branch_names_that_branch_and_its_push_clears_it(
    fleet_builder: FleetBuilder,
) -> None:
    repo = fleet_builder.ahead_on_other_branch("experiments")
    state, details = _look(repo)
    ahead = details["ahead"]

    # The demo's bug: main is 0/0; the unpushed commit is on feature.
    assert (state.branch, state.ahead, state.behind) == ("main", 0, 0)
    assert [(b.name, b.ahead, b.current) for b in ahead.branches] == [("feature", 1, False)]
    assert ahead.about == "feature: 1 ahead of origin/feature"
    assert ahead.commands == (f"git -C {repo} push origin feature",)

    assert _run(ahead.commands[0], repo.parent).returncode == 0
    assert _look(repo)[1] == {}


def test_behind_suggests_a_fast_forward_that_clears_it(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.behind("infra")
    _, details = _look(repo)
    assert details["behind"].commands == (f"git -C {repo} pull --ff-only",)
    assert details["behind"].about == "main: 1 behind origin/main"

    assert _run(details["behind"].commands[0], repo.parent).returncode == 0
    assert _look(repo)[1] == {}


def test_a_branch_behind_that_is_not_checked_out_is_fast_forwarded_without_a_checkout(
    fleet_builder: FleetBuilder,
) -> None:
    repo = fleet_builder.clean("lagging")
    fleet_builder.git(repo, "switch", "--quiet", "-c", "side")  # main is no longer checked out
    fleet_builder.git(repo, "commit", "--quiet", "--allow-empty", "-m", "side work")
    fleet_builder.git(repo, "push", "--quiet", "-u", "origin", "side")
    fleet_builder.git(repo, "push", "--quiet", "origin", "side:main")  # main moves on remotely
    _, details = _look(repo)
    (command,) = details["behind"].commands
    assert command == f"git -C {repo} fetch . origin/main:main"

    assert _run(command, repo.parent).returncode == 0
    assert _look(repo)[1] == {}
    assert fleet_builder.git(repo, "status", "--porcelain").stdout == b""  # tree untouched


def test_no_upstream_suggests_publishing_the_branch_to_its_remote(
    fleet_builder: FleetBuilder,
) -> None:
    repo = fleet_builder.no_upstream("loose")
    # The remote of the other branch is the one to offer.
    fleet_builder.git(repo, "branch", "--quiet", "--track", "kept", "origin/main")
    _, details = _look(repo)
    assert details["no_upstream"].about == "main tracks nothing"
    assert details["no_upstream"].commands == (f"git -C {repo} push -u origin main",)

    assert _run(details["no_upstream"].commands[0], repo.parent).returncode == 0
    assert _look(repo)[1] == {}


def test_a_gone_upstream_is_named_and_pushed_again(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.upstream_gone("gone")
    _, details = _look(repo)
    assert details["no_upstream"].about == "feature: its upstream origin/feature is gone"
    assert details["no_upstream"].commands == (f"git -C {repo} push -u origin feature",)


def test_diverged_shows_both_sides(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.diverged("mobile")
    _, details = _look(repo)
    (command,) = details["diverged"].commands
    assert details["diverged"].branches[0].ahead == details["diverged"].branches[0].behind == 1
    out = _run(command, repo.parent)
    assert out.returncode == 0
    assert [line[0] for line in out.stdout.splitlines()] == ["<", ">"]  # ours, theirs


@pytest.mark.parametrize(
    ("state", "operation", "commands"),
    [
        ("merge_in_progress", "merge", ("merge --continue", "merge --abort")),
        ("rebase_in_progress", "rebase", ("rebase --continue", "rebase --abort")),
        (
            "cherry_pick_in_progress",
            "cherry-pick",
            ("cherry-pick --continue", "cherry-pick --abort"),
        ),
        ("revert_in_progress", "revert", ("revert --continue", "revert --abort")),
        ("bisect_in_progress", "bisect", ("bisect log", "bisect reset")),
    ],
)
def test_an_operation_in_progress_says_which_and_how_to_finish_or_undo_it(
    fleet_builder: FleetBuilder, state: str, operation: str, commands: tuple[str, ...]
) -> None:
    repo = getattr(fleet_builder, state)("repo")
    _, details = _look(repo, fetch=False)
    detail = details["operation_in_progress"]
    assert detail.operation == operation
    assert detail.about == f"a {operation} is in progress"
    assert detail.commands == tuple(f"git -C {repo} {c}" for c in commands)

    # The second suggestion (abort / reset) really ends it.
    assert _run(detail.commands[1], repo.parent).returncode == 0
    assert "operation_in_progress" not in _look(repo, fetch=False)[1]


def test_stash_and_work_tree_findings_count_what_they_are_about(
    fleet_builder: FleetBuilder,
) -> None:
    repo = fleet_builder.stash("notes")
    fleet_builder.git(repo, "stash", "push", "--include-untracked", "--quiet", check=False)
    (repo / "scratch.txt").write_text("new\n")
    (repo / "README.md").write_text("edited\n")
    _, details = _look(repo, fetch=False)
    assert (details["stash"].count, details["stash"].about) == (1, "1 stash")
    assert details["stash"].commands == (f"git -C {repo} stash list",)
    assert details["untracked"].about == "1 untracked path"
    assert details["dirty"].about == "1 tracked file modified"
    assert "stash@{0}" in _run(details["stash"].commands[0], repo.parent).stdout


def test_a_path_that_would_run_a_command_is_quoted(
    fleet_builder: FleetBuilder, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    built = fleet_builder.stash("plain")
    # A real directory name: unquoted, a shell run in tmp_path would make the marker.
    hostile = built.parent / "a b;$(touch marker) `touch marker`"
    built.rename(hostile)
    _, details = _look(hostile, fetch=False)
    (command,) = details["stash"].commands

    out = _run(command, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "stash@{0}" in out.stdout  # it ran git in that very repo
    assert not marker.exists()


def test_a_failed_fetch_names_what_git_said_and_how_to_retry(
    fleet_builder: FleetBuilder, tmp_path: Path
) -> None:
    repo = fleet_builder.clean("offline")
    fleet_builder.git(repo, "remote", "set-url", "origin", str(tmp_path / "nowhere.git"))
    outcome = fetch_all(repo, timeout=TIMEOUT)
    assert not outcome.ok
    state = inspect_repo(repo, timeout=TIMEOUT)
    (detail,) = explain(
        ["fetch_failed"],
        state,
        path=str(repo),
        fetch=FetchFacts(message=outcome.message, failed=(("origin", outcome.message or ""),)),
    )
    assert detail.remotes[0].remote == "origin"
    assert "nowhere.git" in detail.about and detail.about.startswith("origin: ")
    assert detail.commands == (f"git -C {repo} remote -v", f"git -C {repo} fetch origin")
    assert "nowhere.git" in _run(detail.commands[0], repo.parent).stdout
