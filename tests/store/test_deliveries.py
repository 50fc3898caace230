"""The outbox: enqueued rows are due, claimed once, delivered or retried with back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from sqlstore.engine import build_engine
from statehub.store import Store
from statehub.store.deliveries import (
    DELIVERED,
    FAILED,
    GAVE_UP,
    PENDING,
    claim,
    due,
    enqueue,
    get,
    mark_delivered,
    mark_failed,
    recent,
    retry_delay,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
CHANNEL = "json://127.0.0.1:9/hook"


def _enqueue(store: Store, title: str = "api needs action", **kw: object) -> int:
    with store.session() as db:
        fields: dict[str, object] = {"kind": "repo_alert", "channel": CHANNEL, "body": "b"}
        fields.update(kw)
        return enqueue(db, title=title, now=T0, **fields).id  # type: ignore[arg-type]


def test_it_creates_the_table_with_its_due_index(store: Store, database_url: str) -> None:
    engine = build_engine(database_url)
    try:
        inspector = inspect(engine)
        indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("deliveries")}
        tables = set(inspector.get_table_names())
    finally:
        engine.dispose()
    assert indexes["ix_deliveries_status_next_attempt_at"] == ["status", "next_attempt_at"]
    assert {"deliveries", "alert_states"} <= tables


def test_it_enqueues_a_pending_row_due_at_once(store: Store) -> None:
    delivery_id = _enqueue(store, sweep_id="sweep-1")
    with store.reading() as db:
        [row] = due(db, now=T0)
        assert due(db, now=T0 - timedelta(seconds=1)) == []
    assert (row.id, row.status, row.attempts, row.sweep_id) == (delivery_id, PENDING, 0, "sweep-1")
    assert row.created_at == T0 and row.next_attempt_at == T0
    assert row.created_at.tzinfo is not None


def test_it_refuses_an_unknown_kind(store: Store) -> None:
    with store.session() as db, pytest.raises(ValueError, match="unknown delivery kind 'sms'"):
        enqueue(db, kind="sms", channel=CHANNEL, title="t", body="b")


def test_a_row_is_claimed_once_and_delivered(store: Store) -> None:
    delivery_id = _enqueue(store)
    with store.reading() as db:
        [seen_by_one] = due(db, now=T0)
        [seen_by_other] = due(db, now=T0)
    with store.session() as db:
        assert claim(db, seen_by_one, now=T0, lease=LEASE) is True
    with store.session() as db:
        # The other process read the same row before the claim: its claim must lose.
        assert claim(db, seen_by_other, now=T0, lease=LEASE) is False
        assert due(db, now=T0 + LEASE - timedelta(seconds=1)) == []
    with store.session() as db:
        mark_delivered(db, delivery_id, now=T0 + timedelta(seconds=2))
    with store.reading() as db:
        done = get(db, delivery_id)
        assert due(db, now=T0 + timedelta(days=1)) == []
    assert done is not None
    assert (done.status, done.attempts, done.delivered_at) == (
        DELIVERED,
        1,
        T0 + timedelta(seconds=2),
    )


def test_a_claim_whose_process_died_is_due_again_after_its_lease(store: Store) -> None:
    _enqueue(store)
    with store.session() as db:
        [row] = due(db, now=T0)
        assert claim(db, row, now=T0, lease=LEASE)
    with store.reading() as db:
        [again] = due(db, now=T0 + LEASE)
    assert again.attempts == 1


def test_a_failed_attempt_is_retried_after_a_doubling_back_off(store: Store) -> None:
    delivery_id = _enqueue(store)
    now = T0
    waits = []
    for _ in range(3):
        with store.session() as db:
            [row] = due(db, now=now)
            assert claim(db, row, now=now, lease=LEASE)
            failed = mark_failed(db, delivery_id, error="HTTP 500\n  from hook", now=now)
        assert failed.status == FAILED and failed.last_error == "HTTP 500 from hook"
        assert failed.next_attempt_at is not None
        waits.append(failed.next_attempt_at - now)
        with store.reading() as db:
            assert due(db, now=failed.next_attempt_at - timedelta(seconds=1)) == []
        now = failed.next_attempt_at
    assert waits == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    with store.session() as db:
        [row] = due(db, now=now)
        assert claim(db, row, now=now, lease=LEASE)
        mark_delivered(db, delivery_id, now=now)
    with store.reading() as db:
        delivered = get(db, delivery_id)
    assert delivered is not None
    assert (delivered.status, delivered.attempts, delivered.last_error) == (DELIVERED, 4, None)


def test_it_gives_up_after_the_last_attempt_or_when_told(store: Store) -> None:
    exhausted, removed = _enqueue(store), _enqueue(store)
    with store.session() as db:
        for delivery_id in (exhausted, removed):
            [row] = [d for d in due(db, now=T0) if d.id == delivery_id]
            assert claim(db, row, now=T0, lease=LEASE)
        last = mark_failed(db, exhausted, error="timed out", now=T0, max_attempts=1)
        told = mark_failed(db, removed, error="channel no longer configured", now=T0, give_up=True)
    assert (last.status, last.next_attempt_at) == (GAVE_UP, None)
    assert (told.status, told.last_error) == (GAVE_UP, "channel no longer configured")
    with store.reading() as db:
        assert due(db, now=T0 + timedelta(days=30)) == []


def test_an_error_is_kept_to_one_short_line(store: Store) -> None:
    delivery_id = _enqueue(store)
    with store.session() as db:
        failed = mark_failed(db, delivery_id, error="<html>\n" + "x" * 5000, now=T0)
    assert failed.last_error is not None
    assert "\n" not in failed.last_error and len(failed.last_error) == 500
    assert failed.attempts == 1  # a failure without a claim still counts as one attempt


def test_due_keeps_to_the_channels_asked_for(store: Store) -> None:
    _enqueue(store, channel="json://a/")
    other = _enqueue(store, channel="json://b/")
    with store.reading() as db:
        assert [d.id for d in due(db, now=T0, channels=["json://b/"])] == [other]
        assert due(db, now=T0, channels=[]) == []


def test_recent_is_newest_first_and_filters_by_kind(store: Store) -> None:
    first = _enqueue(store, title="first")
    ping = _enqueue(store, title="ping", kind="ping")
    third = _enqueue(store, title="third")
    with store.reading() as db:
        assert [d.id for d in recent(db, limit=10)] == [third, ping, first]
        assert [d.id for d in recent(db, limit=2)] == [third, ping]
        assert [d.id for d in recent(db, kind="repo_alert")] == [third, first]
        with pytest.raises(ValueError, match="negative"):
            recent(db, limit=-1)


def test_retry_delay_doubles_and_is_capped() -> None:
    assert retry_delay(1) == timedelta(seconds=30)
    assert retry_delay(2) == timedelta(minutes=1)
    assert retry_delay(7) == timedelta(minutes=32)
    assert retry_delay(8) == timedelta(hours=1)
    assert retry_delay(40) == timedelta(hours=1)
