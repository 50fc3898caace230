"""GET/POST /progress/: the audit trail, newest first, paged; other producers' events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from statehub.store import Store
from statehub.store.events import append_event
from tests.api.helpers import sqlite_only

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _seed(store: Store) -> None:
    with store.session() as db:
        for i in range(5):
            append_event(
                db,
                event_type="consistency_sweep_remote_all" if i % 2 == 0 else "deploy",
                summary=f"event {i}",
                payload={"i": i},
                created_at=T0 + timedelta(minutes=i),
            )


def test_it_lists_events_newest_first_filtered_by_type(client: httpx.Client, store: Store) -> None:
    _seed(store)

    answer = client.get("/progress/", params={"event_type": "consistency_sweep_remote_all"})

    assert answer.status_code == 200
    assert [e["payload"]["i"] for e in answer.json()] == [4, 2, 0]
    assert "Link" not in answer.headers  # the whole trail fit on one page


def test_it_pages_with_a_before_cursor_and_a_next_link(client: httpx.Client, store: Store) -> None:
    _seed(store)

    first = client.get("/progress/", params={"limit": 2})
    following = client.get(first.links["next"]["url"])
    last = client.get(following.links["next"]["url"])

    assert [e["summary"] for e in first.json()] == ["event 4", "event 3"]
    assert [e["summary"] for e in following.json()] == ["event 2", "event 1"]
    assert [e["summary"] for e in last.json()] == ["event 0"]
    assert "next" not in last.links


def test_it_filters_by_since(client: httpx.Client, store: Store) -> None:
    _seed(store)

    answer = client.get("/progress/", params={"since": "2026-01-01T13:03:00+01:00"})

    assert [e["summary"] for e in answer.json()] == ["event 4", "event 3"]
    naive = client.get("/progress/", params={"since": "2026-01-01T12:03:00"})
    assert naive.status_code == 422  # a time without a zone is a guess; refuse it


@sqlite_only
@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 501}, {"before": 0}, {"event_type": "Bad Type"}]
)
def test_it_refuses_bad_query_parameters(client: httpx.Client, params: dict) -> None:
    answer = client.get("/progress/", params=params)

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", next(iter(params))]


def test_it_records_an_event_from_another_producer(client: httpx.Client) -> None:
    answer = client.post(
        "/progress/",
        json={"event_type": "backup.done", "summary": "nightly", "payload": {"bytes": 12}},
    )

    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["sweep_id"] is None and created["payload"] == {"bytes": 12}
    fetched = client.get(answer.headers["Location"])
    assert fetched.status_code == 200 and fetched.json() == created


@sqlite_only
def test_both_spellings_answer_without_a_redirect(client: httpx.Client) -> None:
    posted = client.post("/progress", json={"event_type": "x"})
    listed = client.get("/progress", params={"limit": 1})

    assert posted.status_code == 201
    assert listed.status_code == 200 and listed.json()[0]["id"] == posted.json()["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event_type": "Not-Lowercase"}, "event_type"),
        ({"event_type": "consistency_sweep_remote_all"}, "event_type"),
        ({"event_type": "x", "payload": {"blob": "a" * 70_000}}, "payload"),
        ({"event_type": "x", "payload": {"nul": "a\u0000b"}}, "payload"),
        ({"event_type": "x", "summary": "s" * 1001}, "summary"),
        ({"event_type": "x", "sweep_id": "forged"}, "sweep_id"),
        ({"event_type": "x", "payload": []}, "payload"),
    ],
)
def test_it_refuses_an_event_it_should_not_store(
    client: httpx.Client, body: dict, field: str
) -> None:
    answer = client.post("/progress/", json=body)

    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["body", field]


@sqlite_only
def test_it_refuses_a_payload_nested_too_deep(client: httpx.Client) -> None:
    deep: dict = {}
    for _ in range(40):
        deep = {"d": deep}

    answer = client.post("/progress/", json={"event_type": "x", "payload": deep})

    assert answer.status_code == 422


@sqlite_only
def test_it_answers_404_for_an_unknown_event(client: httpx.Client) -> None:
    assert client.get("/progress/999").status_code == 404
    assert client.get(f"/progress/{2**31}").status_code == 422
