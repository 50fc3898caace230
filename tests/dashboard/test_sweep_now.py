""" "Sweep now": an asynchronous sweep, its progress, and the new sweep listed at the end."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from playwright.sync_api import Browser, Page, expect

from statehub.api import create_app
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import get_event_by_sweep_id
from statehub.sweep.lock import SweepLock
from statehub.sweep.result import LockHolder
from testing.fleet import FleetBuilder, register
from testing.serve import LiveServer
from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import open_page

pytestmark = [sqlite_only, pytest.mark.browser]


@pytest.fixture
def slow_page(browser: Browser, settings: Settings, store: Store) -> Iterator[Page]:
    """The dashboard of a server whose fetches give up after 2 s: a hanging remote
    makes every sweep take that long, long enough to watch its progress."""
    quick = replace(settings, fetch_timeout=2.0)
    with LiveServer(create_app(quick, store)) as server:
        yield from open_page(browser, server.url)


def _sweep_ids(page: Page) -> list[str]:
    return page.locator("#sweeps-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.sweepId)"
    )


@pytest.mark.slow
def test_sweep_now_shows_progress_then_lists_the_new_sweep(
    slow_page: Page, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(
        store,
        {"api": fleet_builder.dirty("api"), "stuck": fleet_builder.hanging_remote("stuck")},
        trusted={"stuck"},
    )
    page = slow_page
    page.goto("/")
    expect(page.locator("tr[data-repo='api']")).to_contain_text("not checked yet")

    page.get_by_role("button", name="Sweep now").click()

    progress = page.locator("#sweep-progress")
    expect(progress).to_contain_text("Sweeping…")
    expect(page.get_by_role("button", name="Sweep now")).to_be_disabled()
    expect(progress).to_contain_text("Sweep done", timeout=20_000)
    expect(progress).to_contain_text("2 repos: 2 need action")
    link = progress.get_by_role("link", name="see the sweep")
    sweep_id = re.sub(r".*/", "", link.get_attribute("href") or "")
    # The page refreshed itself: the sweep is listed and the fleet shows what it saw.
    assert _sweep_ids(page) == [sweep_id]
    expect(page.locator("#sweeps-table tbody tr")).to_contain_text("manual")
    expect(page.locator("tr[data-repo='api'] [data-finding='dirty']")).to_be_visible()
    expect(page.locator("tr[data-repo='stuck'] [data-finding='fetch_timeout']")).to_be_visible()
    expect(page.get_by_role("button", name="Sweep now")).to_be_enabled()

    link.click()
    expect(page.locator("h1")).to_contain_text("Sweep of")
    expect(page.get_by_role("heading", name="stuck")).to_be_visible()


def test_sweep_now_says_so_when_another_sweep_holds_the_lock(
    page: Page, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(store, {"api": fleet_builder.clean("api")})
    lock = SweepLock(settings.lock_path)
    holder = LockHolder(
        sweep_id=str(uuid4()),
        pid=os.getpid(),
        started_at=datetime.now(UTC),
        triggered_by="local-timer",
    )
    assert lock.try_acquire(holder)
    try:
        page.goto("/")
        expect(page.locator(".running-now")).to_contain_text("local-timer")

        page.get_by_role("button", name="Sweep now").click()

        expect(page.locator("#sweep-progress")).to_contain_text(
            "Not started: local-timer holds the sweep lock"
        )
        expect(page.locator("#sweeps-table tbody tr")).to_have_count(1)
        expect(page.locator("#sweeps-table tbody tr")).to_contain_text("lock skipped")
    finally:
        lock.release()


@pytest.mark.usefixtures("troubled_fleet")
def test_sweep_now_says_what_the_recorded_summary_says(page: Page, store: Store) -> None:
    page.goto("/")
    page.get_by_role("button", name="Sweep now").click()

    progress = page.locator("#sweep-progress")
    expect(progress).to_contain_text("Sweep done", timeout=20_000)
    link = progress.get_by_role("link", name="see the sweep")
    sweep_id = re.sub(r".*/", "", link.get_attribute("href") or "")
    with store.reading() as db:
        event = get_event_by_sweep_id(db, sweep_id=sweep_id)
    assert event is not None
    # The failed fetch is counted as such, the directory that is not a repo as unreadable:
    # the page's words are the recorded line's, not a count of its own.
    assert "1 fetch failed, 1 unreadable" in event.summary
    line = progress.locator("[data-progress-text]").inner_text()
    said = re.fullmatch(r"Sweep done in \d+\.\d s — (.*) — see the sweep", line)
    assert said is not None, line
    assert said.group(1) == event.summary
