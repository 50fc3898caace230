"""Timestamps and JSON come back as they went in, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from statehub.store import Store
from statehub.store.events import append_event, get_event
from statehub.store.repos import add_repo, get_repo
from tests.store.checks import record_check

PAYLOAD = {
    "sweep_id": "5b0c4f9e-3a1d-4d7e-9b2a-0c1d2e3f4a5b",
    "host": "werkbank-ü",
    "summary": "naïve café — 日本語 ✓ 🚀",
    "quote": 'she said "no"\n\ttab\\backslash',
    "nested": {"repos": [{"name": "api", "findings": ["dirty", "ahead"], "ahead": 3}]},
    "empty": {"list": [], "dict": {}},
    "numbers": [0, -1, 2**40, 1.5],
    "flags": [True, False, None],
}


def test_it_round_trips_a_nested_unicode_payload(store: Store) -> None:
    with store.session() as db:
        event_id = append_event(db, event_type="t", summary="s ✓", payload=PAYLOAD).id
    with store.session() as db:
        event = get_event(db, event_id=event_id)
    assert event is not None
    assert event.payload == PAYLOAD
    assert event.summary == "s ✓"


def test_it_returns_aware_utc_timestamps_whatever_zone_went_in(store: Store) -> None:
    berlin = timezone(timedelta(hours=1))
    written = datetime(2025, 3, 1, 13, 0, 0, 123456, tzinfo=berlin)
    with store.session() as db:
        event_id = append_event(db, event_type="t", summary="s", payload={}, created_at=written).id
        add_repo(db, name="api", path="/src/api")
        record_check(db, name="api", checked_at=written, state={"a": 1}, findings=[])
    with store.session() as db:
        event = get_event(db, event_id=event_id)
        repo = get_repo(db, name="api")

    assert event is not None
    for value in (event.created_at, repo.last_checked_at, repo.last_changed_at, repo.added_at):
        assert value is not None
        assert value.tzinfo is UTC
    assert event.created_at == written
    assert event.created_at.hour == 12 and event.created_at.microsecond == 123456
    assert repo.last_checked_at == written


def test_it_refuses_naive_datetimes(store: Store) -> None:
    with pytest.raises(ValueError, match="naive datetime"), store.session() as db:
        append_event(db, event_type="t", summary="s", payload={}, created_at=datetime(2025, 1, 1))


def test_it_keeps_none_state_as_sql_null(store: Store) -> None:
    with store.session() as db:
        add_repo(db, name="api", path="/src/api")
        record_check(db, name="api", checked_at=datetime.now(UTC), state=None, findings=["x"])
    with store.session() as db:
        repo = get_repo(db, name="api")
    assert repo.last_state is None
    assert repo.last_findings == ["x"]
