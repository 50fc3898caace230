"""Delivery against real loopback receivers: delivered, a 500 retried until it recovers,
a hang cut off at the attempt's timeout; each attempt recorded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from statehub.notify.channels import Channel, plugin_for, redacted
from statehub.notify.delivery import deliver_due, send
from statehub.store import Store
from statehub.store.deliveries import DELIVERED, FAILED, enqueue, get
from testing.receiver import Receiver

TIMEOUT = 1.0


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def _channel(url: str) -> Channel:
    plugin = plugin_for(url)
    assert plugin is not None
    return Channel(url=url, redacted=redacted(plugin))


def _enqueue(store: Store, channel: Channel, title: str = "api needs action: behind") -> int:
    with store.session() as db:
        return enqueue(db, kind="repo_alert", channel=channel.redacted, title=title, body="b").id


def test_it_delivers_title_and_body_to_the_channel(hook: Receiver) -> None:
    assert send(_channel(hook.apprise_url()), "the title", "the body", timeout=TIMEOUT) is None
    [body] = hook.bodies
    assert (body["title"], body["message"]) == ("the title", "the body")


def test_a_500_is_recorded_failed_then_retried_and_delivered_once_it_recovers(
    hook: Receiver, store: Store
) -> None:
    channel = _channel(hook.apprise_url())
    delivery_id = _enqueue(store, channel)
    hook.mode = "fail"

    report = deliver_due(store, [channel], timeout=TIMEOUT)

    assert (report.delivered, report.failed) == (0, 1)
    with store.reading() as db:
        failed = get(db, delivery_id)
    assert failed is not None and failed.status == FAILED and failed.attempts == 1
    assert failed.last_error and "500" in failed.last_error
    assert failed.next_attempt_at is not None
    # Not due again before its back-off: a pass now sends nothing.
    hook.mode = "ok"
    assert deliver_due(store, [channel], timeout=TIMEOUT).delivered == 0
    assert hook.bodies == []

    later = failed.next_attempt_at + timedelta(seconds=1)
    report = deliver_due(store, [channel], timeout=TIMEOUT, clock=lambda: later)

    assert report.delivered == 1
    assert hook.titles() == ["api needs action: behind"]
    with store.reading() as db:
        delivered = get(db, delivery_id)
    assert delivered is not None
    assert (delivered.status, delivered.attempts, delivered.last_error) == (DELIVERED, 2, None)


def test_a_hanging_channel_costs_one_timeout_and_is_recorded(hook: Receiver, store: Store) -> None:
    channel = _channel(hook.apprise_url())
    delivery_id = _enqueue(store, channel)
    hook.mode = "hang"

    started = time.monotonic()
    report = deliver_due(store, [channel], timeout=TIMEOUT)
    took = time.monotonic() - started

    assert report.failed == 1
    # Bounded by the attempt's timeout (plus the join's second), not by the receiver's 30 s.
    assert took < TIMEOUT + 2.0
    with store.reading() as db:
        failed = get(db, delivery_id)
    assert failed is not None and failed.status == FAILED and failed.last_error


def test_a_pass_stops_before_its_budget_and_leaves_the_rest_due(
    hook: Receiver, store: Store
) -> None:
    channel = _channel(hook.apprise_url())
    for n in range(3):
        _enqueue(store, channel, title=f"n{n}")
    hook.mode = "hang"

    # Room for one attempt at its longest (timeout + the join's second), not for two.
    report = deliver_due(store, [channel], timeout=TIMEOUT, budget=TIMEOUT + 1.5)

    assert (report.failed, report.left) == (1, 2)


def test_rows_of_channels_not_configured_here_are_left_alone(hook: Receiver, store: Store) -> None:
    mine, other = _channel(hook.apprise_url("mine")), _channel(hook.apprise_url("other"))
    _enqueue(store, other)
    assert deliver_due(store, [mine], timeout=TIMEOUT).delivered == 0
    now = datetime.now(UTC)
    with store.reading() as db:
        from statehub.store.deliveries import due

        assert len(due(db, now=now)) == 1
