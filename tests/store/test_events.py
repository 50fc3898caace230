"""Progress events: appended once, read newest first, paged by id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from statehub.store import ProgressEvent, Store
from statehub.store.events import (
    append_event,
    get_event,
    get_event_by_sweep_id,
    list_events,
)

SWEEP = "consistency_sweep_remote_all"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _append_many(store: Store, count: int, *, event_type: str = SWEEP) -> list[ProgressEvent]:
    with store.session() as db:
        return [
            append_event(
                db,
                event_type=event_type,
                summary=f"sweep {i}",
                payload={"i": i},
                created_at=T0 + timedelta(minutes=15 * i),
            )
            for i in range(count)
        ]


def test_it_appends_and_gets_an_event(store: Store) -> None:
    with store.session() as db:
        appended = append_event(
            db,
            event_type=SWEEP,
            summary="3 repos: 1 need action",
            payload={"exit_code": 0},
            triggered_by="activity-core",
            sweep_id="5b0c4f9e-3a1d-4d7e-9b2a-0c1d2e3f4a5b",
        )
    with store.session() as db:
        assert get_event(db, event_id=appended.id) == appended
        assert get_event(db, event_id=appended.id + 1) is None
    assert appended.triggered_by == "activity-core"
    assert appended.created_at.tzinfo is UTC


def test_it_lists_newest_first_with_a_limit(store: Store) -> None:
    appended = _append_many(store, 5)
    with store.session() as db:
        newest = list_events(db, limit=3)
        assert list_events(db, limit=0) == []
    assert [e.id for e in newest] == [e.id for e in reversed(appended)][:3]


def test_it_pages_with_the_before_id_cursor(store: Store) -> None:
    appended = _append_many(store, 5)
    ids = [e.id for e in reversed(appended)]
    with store.session() as db:
        page1 = list_events(db, limit=2)
        page2 = list_events(db, limit=2, before_id=page1[-1].id)
        page3 = list_events(db, limit=2, before_id=page2[-1].id)
        page4 = list_events(db, limit=2, before_id=page3[-1].id)
    assert [e.id for e in page1 + page2 + page3] == ids
    assert page4 == []


def test_it_filters_by_type_and_since(store: Store) -> None:
    _append_many(store, 4)
    _append_many(store, 2, event_type="other")
    with store.session() as db:
        sweeps = list_events(db, event_type=SWEEP)
        recent = list_events(db, event_type=SWEEP, since=T0 + timedelta(minutes=30))
        # The same instant written in another zone selects the same events.
        tokyo = timezone(timedelta(hours=9))
        recent_tokyo = list_events(
            db, event_type=SWEEP, since=(T0 + timedelta(minutes=30)).astimezone(tokyo)
        )
    assert [e.payload["i"] for e in sweeps] == [3, 2, 1, 0]
    assert [e.payload["i"] for e in recent] == [3, 2]
    assert recent_tokyo == recent


def test_it_refuses_a_negative_limit(store: Store) -> None:
    with store.session() as db, pytest.raises(ValueError):
        list_events(db, limit=-1)


def test_it_finds_a_sweeps_event_by_sweep_id(store: Store) -> None:
    with store.session() as db:
        event = append_event(db, event_type=SWEEP, summary="s", payload={}, sweep_id="abc-123")
        append_event(db, event_type=SWEEP, summary="other", payload={}, sweep_id="def-456")
    with store.session() as db:
        assert get_event_by_sweep_id(db, sweep_id="abc-123") == event
        assert get_event_by_sweep_id(db, sweep_id="nope") is None
