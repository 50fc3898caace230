"""Observers hear of every sweep — started (lock taken) and finished (run, skipped, not
recorded) — and an observer that raises changes nothing about the sweep."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import list_events
from statehub.sweep.engine import Sweeper
from statehub.sweep.lock import SweepLock
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import LockHolder, SweepNotRecorded, SweepResult
from testing.fleet import FleetBuilder, register


class Heard:
    def __init__(self) -> None:
        self.started: list[tuple[SweepRequest, datetime]] = []
        self.finished: list[tuple[SweepResult, bool]] = []

    def sweep_started(self, request: SweepRequest, started_at: datetime) -> None:
        self.started.append((request, started_at))

    def sweep_finished(self, result: SweepResult, *, recorded: bool) -> None:
        self.finished.append((result, recorded))


class Broken:
    def sweep_started(self, request: SweepRequest, started_at: datetime) -> None:
        raise RuntimeError("observer broke on start")

    def sweep_finished(self, result: SweepResult, *, recorded: bool) -> None:
        raise RuntimeError("observer broke on finish")


def test_an_observer_hears_a_sweep_start_and_finish_even_beside_a_broken_one(
    fleet_builder: FleetBuilder, settings: Settings, store: Store
) -> None:
    register(store, {"behind": fleet_builder.behind("behind")})
    heard = Heard()
    sweeper = Sweeper(settings, store, observers=[Broken(), heard])

    result = sweeper.run(SweepRequest(max_seconds=60))

    assert [r.sweep_id for r, _ in heard.started] == [result.sweep_id]
    assert heard.started[0][1] <= result.finished_at
    assert heard.finished == [(result, True)]
    assert [r.name for r in result.repos_processed] == ["behind"]
    with store.reading() as db:
        assert [e.sweep_id for e in list_events(db)] == [str(result.sweep_id)]


def test_a_lock_skip_is_heard_as_finished_but_never_as_started(
    settings: Settings, store: Store
) -> None:
    heard = Heard()
    lock = SweepLock(settings.lock_path)
    settings.home.mkdir(parents=True, exist_ok=True)
    holder = LockHolder(
        sweep_id=None, pid=0, started_at=datetime.now().astimezone(), triggered_by="test"
    )
    assert lock.acquire_or_holder(holder) is None
    try:
        result = Sweeper(settings, store, observers=[heard]).run(SweepRequest())
    finally:
        lock.release()

    assert result.lock_skipped
    assert heard.started == []
    assert heard.finished == [(result, True)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sweep_that_cannot_be_recorded_is_heard_as_not_recorded(
    fleet_builder: FleetBuilder, settings: Settings, store: Store
) -> None:
    register(store, {"clean": fleet_builder.clean("clean")})
    with store.session() as db:
        # A real fault: the event table is gone, so the sweep's one transaction fails.
        db.execute(text("DROP TABLE progress_events"))
    heard = Heard()

    with pytest.raises(SweepNotRecorded) as raised:
        Sweeper(settings, store, observers=[heard]).run(SweepRequest(max_seconds=60))

    assert heard.finished == [(raised.value.result, False)]
    assert len(heard.started) == 1
