"""The recent-sweeps table counts what each sweep's recorded summary line counts: failed
fetches as such, beside the repos that could not be read — on a laptop and on a phone."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from statehub.store import Store
from statehub.store.events import get_event_by_sweep_id
from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import sweep

pytestmark = [sqlite_only, pytest.mark.browser]


def _recorded_counts(store: Store, sweep_id: str) -> tuple[str, str]:
    with store.reading() as db:
        event = get_event_by_sweep_id(db, sweep_id=sweep_id)
    assert event is not None
    counted = re.search(r"(\d+) fetch failed, (\d+) unreadable", event.summary)
    assert counted is not None, event.summary
    return counted[1], counted[2]


@pytest.mark.usefixtures("troubled_fleet")
def test_the_table_counts_fetch_failures_apart_from_unreadable_repos(
    page: Page, client: httpx.Client, store: Store
) -> None:
    sweep_id = sweep(client, triggered_by="manual")["sweep_id"]
    assert _recorded_counts(store, sweep_id) == ("1", "1")  # the fleet is what it says

    page.goto("/")
    row = page.locator(f"#sweeps-table tr[data-sweep-id='{sweep_id}']")
    failed = row.locator("td[data-label='Fetch failed']")
    unreadable = row.locator("td[data-label='Unreadable']")
    assert (failed.inner_text(), unreadable.inner_text()) == _recorded_counts(store, sweep_id)
    expect(failed).to_have_class(re.compile(r"\bhot\b"))
    # Each count under its own heading, named as the summary line names it.
    headers = page.locator("#sweeps-table thead th").all_inner_texts()
    assert headers[7:9] == ["Fetch failed", "Unreadable"]
    assert "Errors" not in headers

    # On a phone the row is a card: every cell, its label included, fits its own box.
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.locator("#sweeps-table thead")).to_have_css("position", "absolute")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    spilled = row.locator("td").evaluate_all(
        """cells => cells.filter(c => {
            const box = c.getBoundingClientRect();
            return c.scrollWidth > c.clientWidth || box.left < 0 || box.right > 375;
        }).map(c => c.dataset.label)"""
    )
    assert spilled == []
