"""Linked worktrees of one repository share one git dir: a sweep fetches it once, inspects
every worktree, and never runs two fix-mode writes to it at once."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from statehub.settings import Settings
from statehub.store import Store
from statehub.store.records import SweepTarget
from statehub.store.repos import add_repo
from statehub.sweep.engine import Sweeper, worktree_groups
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder
from tests.repostates import rev, with_worktrees

WORKTREES = 8
FETCH_TIMEOUT = 3.0


def _register(store: Store, paths: list[Path], *, allow_push: bool = False) -> None:
    with store.session() as db:
        for path in paths:
            add_repo(db, name=path.name, path=str(path), allow_push=allow_push)


def test_eight_worktrees_of_one_repo_are_fetched_once_and_each_is_inspected(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    worktrees = with_worktrees(fleet_builder, "repo", WORKTREES)
    _register(store, worktrees)

    result = sweeper.run(SweepRequest(max_seconds=60))

    reports = {r.name: r for r in result.repos_processed}
    assert sorted(reports) == sorted(p.name for p in worktrees)
    # Concurrent fetches of one git dir failed with "cannot lock ref" in all but one.
    assert {name: r.findings for name, r in reports.items()} == {
        p.name: ["behind"] for p in worktrees
    }
    assert result.errors == [] and result.skipped_budget == []


def test_fix_mode_fast_forwards_every_worktree_of_one_repo(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    worktrees = with_worktrees(fleet_builder, "repo", WORKTREES)
    _register(store, worktrees)

    result = sweeper.run(SweepRequest(max_seconds=60, mode=Mode.FIX))

    reports = {r.name: r for r in result.repos_processed}
    # A sibling's branch is the sibling's to report: listed in each worktree, each would
    # have been "behind" until its own worktree's turn came, and fix mode would exit 1.
    assert {name: (r.actions, r.findings) for name, r in reports.items()} == {
        p.name: ([f"fast-forwarded b{n}"], []) for n, p in enumerate(worktrees, 1)
    }
    assert all(rev(fleet_builder, p) == rev(fleet_builder, p, "@{upstream}") for p in worktrees)
    assert result.exit_code == 0
    again = sweeper.run(SweepRequest(max_seconds=60, fetch=False))
    assert sorted(again.skipped_clean) == sorted(p.name for p in worktrees)


def _record(name: str, path: Path) -> SweepTarget:
    return SweepTarget(
        name=name, path=str(path), allow_push=False, trust_repo_config=False, last_checked_at=None
    )


def test_worktrees_are_grouped_where_their_stalest_member_stands(
    fleet_builder: FleetBuilder,
) -> None:
    first, second = with_worktrees(fleet_builder, "repo", 2)
    main_clone = fleet_builder.repos / "repo"
    plain = fleet_builder.clean("plain")
    gone = fleet_builder.missing("gone")
    stalest_first = [
        _record("wt1", first),
        _record("plain", plain),
        _record("gone", gone),
        _record("main", main_clone),
        _record("wt2", second),
    ]

    groups = worktree_groups(stalest_first)

    assert [[m.name for m in group] for group in groups] == [
        ["wt1", "main", "wt2"],
        ["plain"],
        ["gone"],
    ]


@pytest.fixture
def silent_remote_url() -> Iterator[str]:
    """An http remote on loopback that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/repo.git"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


def test_worktrees_whose_remote_never_answers_share_one_fetch_timeout(
    fleet_builder: FleetBuilder, settings: Settings, store: Store, silent_remote_url: str
) -> None:
    worktrees = with_worktrees(fleet_builder, "repo", 3)
    fleet_builder.git(worktrees[0], "remote", "set-url", "origin", silent_remote_url)
    _register(store, worktrees)
    sweeper = Sweeper(replace(settings, fetch_timeout=FETCH_TIMEOUT), store)

    started = time.monotonic()
    result = sweeper.run(SweepRequest(max_seconds=30))
    elapsed = time.monotonic() - started

    # One fetch for the three, not one after another (3 x the timeout).
    assert elapsed < 2 * FETCH_TIMEOUT
    assert {r.name: r.findings for r in result.repos_processed} == {
        p.name: ["fetch_timeout"] for p in worktrees
    }


def test_the_branch_of_a_worktree_that_is_not_registered_is_still_reported(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    first, _unregistered = with_worktrees(fleet_builder, "repo", 2)
    _register(store, [first])

    result = sweeper.run(SweepRequest(max_seconds=60, mode=Mode.FIX))

    [report] = result.repos_processed
    assert report.actions == ["fast-forwarded b1"]
    assert report.findings == ["behind"]  # b2, checked out where no sweep looks
    assert result.exit_code == 1
