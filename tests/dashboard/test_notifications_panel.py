"""The dashboard's notifications panel, in Chromium: the last ones, what each said, where it
went (secrets hidden) and whether it was delivered or why not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from statehub.store import Store
from statehub.store.deliveries import claim, due, enqueue, mark_delivered, mark_failed

pytestmark = pytest.mark.browser


def test_the_panel_shows_the_last_notifications_and_why_one_failed(
    page: Page, store: Store
) -> None:
    now = datetime.now(UTC)
    with store.session() as db:
        sent = enqueue(
            db,
            kind="repo_alert",
            channel="json://hooks.example/a",
            title="api needs action: behind",
            body="api (/src/api) needs action",
            now=now - timedelta(minutes=2),
        )
        stuck = enqueue(
            db,
            kind="health",
            channel="json://hooks.example/a",
            title="sweep degraded on h",
            body="The sweep degraded",
            now=now - timedelta(minutes=1),
        )
        for row in due(db, now=now):
            assert claim(db, row, now=now, lease=timedelta(seconds=30))
        mark_delivered(db, sent.id, now=now)
        mark_failed(db, stuck.id, error="HTTP 500 from hooks.example", now=now)

    page.goto("/")

    panel = page.locator("#notifications")
    expect(panel.get_by_role("heading")).to_contain_text("no channel configured")
    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("sweep degraded on h")  # newest first
    expect(rows.nth(0)).to_contain_text("failed (1 attempt, retrying)")
    expect(rows.nth(0)).to_contain_text("HTTP 500 from hooks.example")
    expect(rows.nth(1)).to_contain_text("api needs action: behind")
    expect(rows.nth(1)).to_contain_text("delivered")
    expect(rows.nth(1)).to_contain_text("json://hooks.example/a")


def test_the_panel_says_when_nothing_was_announced(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#notifications")).to_contain_text("Nothing announced yet.")
