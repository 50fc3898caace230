"""The dashboard's pages over plain HTTP, on SQLite and PostgreSQL: what they say,
what they load, and the headers they carry."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import httpx
import pytest

from statehub.api import create_app
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import append_event
from statehub.sweep.lock import SweepLock
from statehub.sweep.result import EVENT_TYPE, LockHolder
from testing.fleet import FleetBuilder, register
from testing.serve import LiveServer
from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import sweep


def _small_fleet(store: Store, fleet_builder: FleetBuilder) -> None:
    register(
        store,
        {
            "api": fleet_builder.dirty("api"),
            "web": fleet_builder.clean("web"),
            "gone": fleet_builder.missing("gone"),
        },
    )


def test_it_serves_the_dashboard_at_the_root(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder
) -> None:
    _small_fleet(store, fleet_builder)
    sweep(client)

    answer = client.get("/")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    page = answer.text
    assert 'data-repo="api"' in page and 'data-finding="dirty"' in page
    assert 'data-repo="gone"' in page and 'data-finding="missing"' in page
    assert page.count('class="slot') == 96


def test_every_asset_comes_from_the_app_itself(client: httpx.Client) -> None:
    page = client.get("/").text
    references = re.findall(r'(?:src|href)="([^"]*)"', page)

    assert references, "the page references no assets at all?"
    for reference in references:
        assert reference.startswith(("/", "#", "data:")), f"{reference} is not served by the app"
    for asset, kind in (("dashboard.css", "text/css"), ("dashboard.js", "javascript")):
        answer = client.get(f"/dashboard/static/{asset}")
        assert answer.status_code == 200
        assert kind in answer.headers["content-type"]


def test_the_fleet_filter_also_works_without_javascript(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder
) -> None:
    _small_fleet(store, fleet_builder)
    sweep(client)

    page = client.get("/", params={"finding": "missing"}).text

    rows = dict(re.findall(r'<tr class="status-\w+" data-repo="(\w+)"(.*?)>', page, re.S))
    assert set(rows) == {"api", "web", "gone"}
    assert [name for name, attrs in rows.items() if "hidden" not in attrs] == ["gone"]
    assert '<option value="missing" selected>' in page


def test_a_sweep_page_shows_its_whole_result_document(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder
) -> None:
    _small_fleet(store, fleet_builder)
    result = sweep(client, caller_run_id="run-1234")

    answer = client.get(f"/dashboard/sweeps/{result['sweep_id']}")

    assert answer.status_code == 200
    page = html.unescape(answer.text)
    assert "run-1234" in page and "test-workstation" in page
    for name in ("api", "web", "gone"):
        assert name in page
    assert '"repos_processed": [' in page  # the raw document, pretty-printed
    # Each badge says what it means on hover.
    assert re.search(
        r'class="badge tone-warn" title="tracked files have [^"]*">dirty<', answer.text
    )


def test_a_lock_skip_page_says_who_held_the_lock(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder, settings: Settings
) -> None:
    _small_fleet(store, fleet_builder)
    with SweepLock(settings.lock_path) as lock:
        holder = LockHolder(sweep_id=None, pid=1, started_at=None, triggered_by="local-timer")
        assert lock.try_acquire(holder)
        skipped = sweep(client, triggered_by="activity-core")

    page = client.get(f"/dashboard/sweeps/{skipped['sweep_id']}").text

    assert "another sweep held the lock" in page
    assert "local-timer" in page


@sqlite_only
def test_a_running_sweep_page_follows_it_until_it_is_recorded(
    settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(store, {"stuck": fleet_builder.hanging_remote("stuck")}, trusted={"stuck"})
    # Fetches give up after 2 s, so the hanging remote keeps the sweep running that long.
    quick = replace(settings, fetch_timeout=2.0)
    with LiveServer(create_app(quick, store)) as server, server.client() as client:
        started = client.post("/consistency/sweep/remote-all", headers={"Prefer": "respond-async"})
        assert started.status_code == 202
        page = client.get(f"/dashboard/sweeps/{started.json()['sweep_id']}")

        assert page.status_code == 200
        assert "Sweep running" in page.text
        assert '<meta http-equiv="refresh"' in page.text


def test_an_unknown_sweep_is_a_404_page(client: httpx.Client) -> None:
    answer = client.get("/dashboard/sweeps/6f1c5d1e-0000-4000-8000-000000000000")

    assert answer.status_code == 404
    assert "No such sweep" in answer.text


def test_an_event_from_an_older_schema_still_renders(client: httpx.Client, store: Store) -> None:
    # Written straight to the store: the API refuses to record this event type,
    # and a real sweep cannot produce an old document.
    with store.session() as db:
        append_event(
            db,
            event_type=EVENT_TYPE,
            summary="from an older State Hub",
            payload={"sweep_id": "0d9a3b52-7a52-4c1e-8c1c-3b9f8d7e6a50", "exit_code": "zero"},
            triggered_by="local-timer",
            sweep_id="0d9a3b52-7a52-4c1e-8c1c-3b9f8d7e6a50",
        )

    assert client.get("/").status_code == 200
    page = client.get("/dashboard/sweeps/0d9a3b52-7a52-4c1e-8c1c-3b9f8d7e6a50")
    assert page.status_code == 200
    assert "does not match the current result schema" in page.text
    assert "&#34;exit_code&#34;: &#34;zero&#34;" in page.text


@pytest.mark.usefixtures("troubled_fleet")
def test_a_sweep_page_heads_the_repos_it_could_not_read_unreadable(client: httpx.Client) -> None:
    # The word the recorded summary uses ("1 fetch failed, 1 unreadable"): a failed fetch is
    # not among them, its repo was still read.
    result = sweep(client)
    page = html.unescape(client.get(f"/dashboard/sweeps/{result['sweep_id']}").text)
    heading = re.search(r'<h2 id="errors-title">(\w+) <span[^>]*>(\d+)</span>', page)
    assert heading is not None and heading.groups() == ("Unreadable", "1"), heading
