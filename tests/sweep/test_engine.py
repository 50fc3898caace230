"""The sweep over a real fleet: every repo in exactly one bucket, findings, events, store."""

from __future__ import annotations

from pathlib import Path

from statehub.registry import add
from statehub.store import Store
from statehub.store.events import list_events
from statehub.store.repos import add_repo, get_repo
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import EVENT_TYPE, SweepResult
from testing.fleet import FleetBuilder


def _register(store: Store, repos: dict[str, Path]) -> None:
    with store.session() as db:
        for name, path in repos.items():
            add_repo(db, name=name, path=str(path))


def _buckets(result: SweepResult) -> dict[str, list[str]]:
    return {
        "processed": [r.name for r in result.repos_processed],
        "clean": result.skipped_clean,
        "missing": result.skipped_missing,
        "budget": result.skipped_budget,
        "errors": [e.name for e in result.errors],
    }


def test_it_puts_every_repo_in_exactly_one_bucket(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    repos = {
        "clean": fleet_builder.clean("clean"),
        "dirty": fleet_builder.dirty("dirty"),
        "behind": fleet_builder.behind("behind"),
        "missing": fleet_builder.missing("missing"),
        "plain": fleet_builder.not_a_repo("plain"),
        "corrupt": fleet_builder.corrupt("corrupt"),
    }
    _register(store, repos)

    result = sweeper.run(SweepRequest(max_seconds=60))

    buckets = _buckets(result)
    placed = sorted(name for names in buckets.values() for name in names)
    assert placed == sorted(repos)
    assert buckets["clean"] == ["clean"]
    assert buckets["missing"] == ["missing"]
    assert sorted(buckets["processed"]) == ["behind", "dirty"]
    assert sorted(buckets["errors"]) == ["corrupt", "plain"]
    assert result.repos_total == len(repos)
    assert result.exit_code == 0 and not result.lock_skipped


def test_it_reports_each_finding_with_the_observed_state(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    expected = {
        "dirty": "dirty",
        "staged": "staged",
        "untracked": "untracked",
        "ahead": "ahead",
        "behind": "behind",
        "diverged": "diverged",
        "detached": "detached",
        "no_upstream": "no_upstream",
        "stash": "stash",
        "merge_in_progress": "operation_in_progress",
    }
    _register(store, {name: getattr(fleet_builder, name)(name) for name in expected})

    result = sweeper.run(SweepRequest(max_seconds=60))

    by_name = {r.name: r for r in result.repos_processed}
    assert sorted(by_name) == sorted(expected)
    for name, finding in expected.items():
        assert finding in by_name[name].findings, (name, by_name[name].findings)
        assert by_name[name].state is not None
    assert by_name["behind"].state.behind == 1
    assert by_name["detached"].state.branch is None


def test_it_sees_behind_only_after_fetching(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    _register(store, {"behind": fleet_builder.behind("behind")})

    local = sweeper.run(SweepRequest(max_seconds=60, fetch=False))
    fetched = sweeper.run(SweepRequest(max_seconds=60))

    assert local.skipped_clean == ["behind"] and local.fetch is False
    assert fetched.repos_processed[0].findings == ["behind"]


def test_it_records_one_event_per_sweep_with_the_whole_document(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    _register(store, {"dirty": fleet_builder.dirty("dirty")})

    result = sweeper.run(
        SweepRequest(max_seconds=60, triggered_by="activity-core", caller_run_id="run-42")
    )

    with store.session() as db:
        events = list_events(db, event_type=EVENT_TYPE)
    assert len(events) == 1
    assert events[0].payload == result.document()
    assert events[0].payload["caller_run_id"] == "run-42"
    assert events[0].triggered_by == "activity-core"
    assert events[0].sweep_id == str(result.sweep_id)


def test_it_keeps_each_repos_last_state_and_when_it_changed(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    path = fleet_builder.clean("repo")
    _register(store, {"repo": path})

    first = sweeper.run(SweepRequest(max_seconds=60))
    second = sweeper.run(SweepRequest(max_seconds=60))
    (path / "new-file.txt").write_text("hello\n")
    third = sweeper.run(SweepRequest(max_seconds=60))

    with store.session() as db:
        repo = get_repo(db, name="repo")
    assert repo.last_checked_at == third.finished_at
    assert repo.last_changed_at == third.finished_at
    assert repo.last_findings == ["untracked"]
    assert first.finished_at < second.finished_at


def test_it_never_changes_a_work_tree_or_a_local_branch_in_warn_mode(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    paths = {n: getattr(fleet_builder, n)(n) for n in ("behind", "diverged", "dirty", "ahead")}
    _register(store, paths)
    before = {n: _local_snapshot(p) for n, p in paths.items()}

    sweeper.run(SweepRequest(max_seconds=60))

    assert {n: _local_snapshot(p) for n, p in paths.items()} == before


def _local_snapshot(path: Path) -> tuple[str, str, str]:
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=path, capture_output=True, text=True).stdout

    return (
        git("for-each-ref", "refs/heads", "refs/stash"),
        git("status", "--porcelain=v2"),
        git("rev-parse", "HEAD"),
    )


def test_a_registered_path_that_disappears_is_missing_not_an_error(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    import shutil

    path = fleet_builder.clean("gone-soon")
    with store.session() as db:
        add(db, path=path)
    shutil.rmtree(path)

    result = sweeper.run(SweepRequest(max_seconds=60))

    assert result.skipped_missing == ["gone-soon"] and result.errors == []


def test_progress_counts_every_repo_once_in_order_from_the_pool_threads(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    repos = {f"r{i}": fleet_builder.clean(f"r{i}") for i in range(12)}
    repos["gone"] = fleet_builder.missing("gone")
    _register(store, repos)
    reports: list[tuple[int, int, str]] = []

    sweeper.run(
        SweepRequest(max_seconds=60, fetch=False),
        on_progress=lambda done, total, name: reports.append((done, total, name)),
    )

    # Reported as each check finishes, under one lock: the count never repeats or skips.
    assert [done for done, _, _ in reports] == list(range(1, len(repos) + 1))
    assert {total for _, total, _ in reports} == {len(repos)}
    assert sorted(name for _, _, name in reports) == sorted(repos)
