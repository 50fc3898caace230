"""``statehub sweep`` on a terminal: the summary first, the repos grouped by finding, lines
that stay whole at any width, and the --only / --changed / --quiet display filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statehub.fleet.explain import meaning
from testing.fleet import FleetBuilder
from tests.cli.conftest import RunCli


def _fleet(fleet_builder: FleetBuilder, run_cli: RunCli) -> dict[str, Path]:
    repos = {
        "lagging": fleet_builder.behind("lagging"),
        "stashy": fleet_builder.stash("stashy"),
        "tidy": fleet_builder.clean("tidy"),
    }
    for path in repos.values():
        assert run_cli("repos", "add", str(path)).returncode == 0
    return repos


def _headings(stdout: str) -> list[str]:
    """The group headings: a finding's code, its count and its meaning."""
    return [line.split(" ")[0] for line in stdout.splitlines() if " — " in line]


@pytest.mark.slow
def test_the_summary_comes_first_then_one_group_per_finding(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    repos = _fleet(fleet_builder, run_cli)

    out = run_cli("sweep")

    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("3 repos: 2 need action, 1 clean")
    assert "0 fetch failed" in lines[0]
    assert lines[1] == "findings: behind 1, stash 1" and lines[2] == "health: ok"
    heading = lines.index(f"behind (1) — {meaning('behind')}")
    assert heading > 2
    assert lines[heading + 1 : heading + 4] == [
        "  lagging",
        "    main: 1 behind origin/main",
        f"    next: git -C {repos['lagging']} pull --ff-only",
    ]
    assert _headings(out.stdout) == ["behind", "stash"]
    assert "tidy" not in out.stdout  # clean repos are counted, not listed


@pytest.mark.slow
def test_only_shows_one_finding_and_leaves_the_document_whole(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    _fleet(fleet_builder, run_cli)

    out = run_cli("sweep", "--only", "stash")
    doc = json.loads(run_cli("sweep", "--json", "--only", "stash").stdout)

    assert out.returncode == 0, out.stderr
    assert _headings(out.stdout) == ["stash"] and "lagging" not in out.stdout
    assert "findings: behind 1, stash 1" in out.stdout  # the summary still counts everything
    assert sorted(r["name"] for r in doc["repos_processed"]) == ["lagging", "stashy"]


@pytest.mark.slow
def test_an_unknown_finding_is_refused_naming_the_valid_ones(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    _fleet(fleet_builder, run_cli)

    for command in (("sweep",), ("repos", "list")):
        out = run_cli(*command, "--only", "stashed")
        assert out.returncode == 2, out.stdout
        assert "unknown finding 'stashed'" in out.stderr and "fetch_failed" in out.stderr
        assert "Traceback" not in out.stderr
    events = json.loads(run_cli("progress", "--json").stdout)
    assert events == []  # refused before any sweep ran


@pytest.mark.slow
def test_changed_shows_only_the_repos_the_second_sweep_changed(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    repos = _fleet(fleet_builder, run_cli)
    assert run_cli("sweep").returncode == 0
    (repos["stashy"] / "README.md").write_text("edited, not committed\n")

    out = run_cli("sweep", "--changed")

    assert out.returncode == 0, out.stderr
    assert _headings(out.stdout) == ["dirty", "stash"]
    assert "lagging" not in out.stdout.split("\n\n", 1)[1]  # counted above, not listed
    assert "findings: behind 1, dirty 1, stash 1" in out.stdout
    listed = json.loads(run_cli("repos", "list", "--changed", "--json").stdout)
    assert [r["name"] for r in listed] == ["stashy"]
    # A sweep that changes nothing leaves nothing to show.
    assert _headings(run_cli("sweep", "--changed").stdout) == []
    assert json.loads(run_cli("repos", "list", "--changed", "--json").stdout) == []


@pytest.mark.slow
def test_changed_names_a_repo_that_became_clean(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    repos = _fleet(fleet_builder, run_cli)
    assert run_cli("sweep").returncode == 0
    fleet_builder.git(repos["lagging"], "pull", "--quiet", "--ff-only")

    out = run_cli("sweep", "--changed")

    assert _headings(out.stdout) == [] and "now clean: lagging" in out.stdout


@pytest.mark.slow
def test_repos_list_only_filters_by_finding(fleet_builder: FleetBuilder, run_cli: RunCli) -> None:
    _fleet(fleet_builder, run_cli)
    assert run_cli("sweep").returncode == 0

    listed = json.loads(run_cli("repos", "list", "--only", "behind", "--json").stdout)
    table = run_cli("repos", "list", "--only", "stash", "--only", "behind")

    assert [r["name"] for r in listed] == ["lagging"]
    assert "2 repos" in table.stdout and "tidy" not in table.stdout


@pytest.mark.slow
def test_quiet_prints_the_summary_alone_and_keeps_the_exit_status(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    _fleet(fleet_builder, run_cli)

    quiet = run_cli("sweep", "--quiet", "--mode", "fix")
    doc = json.loads(run_cli("sweep", "--json", "--mode", "fix").stdout)

    # A stash is nothing fix mode may touch: it remains, so fix mode exits 1 either way.
    assert doc["exit_code"] == 1 and quiet.returncode == 1
    assert _headings(quiet.stdout) == [] and "stashy" not in quiet.stdout
    assert "findings: stash 1" in quiet.stdout


def test_a_long_git_error_stays_whole_on_a_narrow_terminal(
    fleet_builder: FleetBuilder, run_cli: RunCli, tmp_path: Path
) -> None:
    repo = fleet_builder.clean("offline")
    nowhere = tmp_path / "a-remote-whose-path-is-far-longer-than-sixty-columns" / "nowhere.git"
    fleet_builder.git(repo, "remote", "set-url", "origin", str(nowhere))
    assert run_cli("repos", "add", str(repo)).returncode == 0

    out = run_cli("sweep", COLUMNS="60")

    assert out.returncode == 0, out.stderr
    assert "1 fetch failed, 0 unreadable" in out.stdout  # a failed fetch is not an "error"
    assert "health: degraded" in out.stdout
    (line,) = [line for line in out.stdout.splitlines() if "does not appear" in line]
    assert f"'{nowhere}' does not appear to be a git repository" in line
    assert line.startswith("    origin: fatal:") and "│" not in line
