"""Overdue comes first: before any sweep, and once the last sweep that ran is older than
cadence + grace — a cadence of six seconds here, so a real sweep goes overdue for real."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from playwright.sync_api import Page, expect

from statehub.settings import Settings
from statehub.store import Store
from testing.fleet import FleetBuilder, register
from testing.waiting import wait_for
from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import sweep

pytestmark = [sqlite_only, pytest.mark.browser]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, cadence_minutes=0.1, cadence_grace_minutes=0)


def _levels(page: Page) -> list[str]:
    return page.locator("#banner .verdict").evaluate_all("els => els.map(e => e.dataset.level)")


def test_before_any_sweep_the_banner_is_overdue(
    page: Page, fleet_builder: FleetBuilder, store: Store
) -> None:
    register(store, {"api": fleet_builder.clean("api")})
    page.goto("/")

    assert _levels(page) == ["overdue"]
    expect(page.locator("#banner .verdict-head")).to_contain_text("Sweep overdue")
    expect(page.locator("#banner .verdict-head")).to_contain_text("no sweep has run yet")
    expect(page.locator("#banner")).to_have_attribute("role", "alert")


@pytest.mark.slow
def test_a_missed_cadence_puts_overdue_before_the_repos_needing_action(
    page: Page, client: httpx.Client, fleet_builder: FleetBuilder, store: Store
) -> None:
    register(store, {"api": fleet_builder.ahead("api"), "web": fleet_builder.clean("web")})
    sweep(client)
    page.goto("/")
    assert _levels(page) == ["action"]  # just swept: on schedule, with work waiting

    def overdue() -> bool:
        page.goto("/")
        return _levels(page)[0] == "overdue"

    # Six seconds of cadence pass for real; the first load after that says so first.
    wait_for(overdue, timeout=30, interval=0.5, what="the banner to say overdue")
    assert _levels(page) == ["overdue", "action"]
    head = page.locator("#banner .verdict-head")
    expect(head).to_contain_text("the last sweep that ran finished")
    expect(page.locator('#banner .verdict[data-level="action"]')).to_contain_text(
        "1 of 2 repos needs action"
    )
    expect(page.locator("#banner .schedule")).not_to_contain_text("on schedule")
