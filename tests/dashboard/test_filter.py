"""Filtering the fleet by finding and by name, live, and kept in a shareable URL."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import FLEET_STATES, sweep

pytestmark = [sqlite_only, pytest.mark.browser]


def _visible(page: Page) -> list[str]:
    return page.locator("#fleet-table tbody tr").evaluate_all(
        "rows => rows.filter(r => !r.hidden).map(r => r.dataset.repo)"
    )


@pytest.fixture
def swept(page: Page, client: httpx.Client, fleet: dict[str, Path]) -> Page:
    sweep(client)
    page.goto("/")
    return page


def test_it_filters_by_finding(swept: Page) -> None:
    finding = swept.get_by_label("Finding")

    finding.select_option("operation_in_progress")
    assert _visible(swept) == ["conflicted", "merge_in_progress"]
    expect(swept.locator("#fleet-count")).to_have_text(f"Showing 2 of {len(FLEET_STATES)} repos")

    finding.select_option("needs_action")
    assert sorted(_visible(swept)) == sorted(set(FLEET_STATES) - {"clean"})

    finding.select_option("clean")
    assert _visible(swept) == ["clean"]

    finding.select_option("")
    assert len(_visible(swept)) == len(FLEET_STATES)


def test_it_filters_by_name_and_combines_both(swept: Page) -> None:
    swept.get_by_label("Name").fill("ST")  # case does not matter
    assert sorted(_visible(swept)) == ["no_upstream", "staged", "stash"]

    swept.get_by_label("Finding").select_option("stash")
    assert _visible(swept) == ["stash"]

    swept.get_by_label("Name").fill("nothing-like-this")
    assert _visible(swept) == []
    expect(swept.locator("#fleet-none")).to_be_visible()


def test_the_filter_lives_in_the_url_and_survives_a_reload(swept: Page) -> None:
    swept.get_by_label("Finding").select_option("behind")
    swept.get_by_label("Name").fill("beh")
    expect(swept).to_have_url(re.compile(r"/\?finding=behind&q=beh$"))

    swept.reload()

    expect(swept.get_by_label("Finding")).to_have_value("behind")
    expect(swept.get_by_label("Name")).to_have_value("beh")
    assert _visible(swept) == ["behind"]
