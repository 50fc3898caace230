"""The fleet's badges explain themselves, a legend says what each means, and each row opens
the repo's page: its findings with since when and what to type, and its timeline.

``STATEHUB_UPDATE_SCREENSHOT=1`` writes ``docs/repo-page.png``.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from statehub.fleet.explain import MEANINGS
from statehub.fleet.state import Finding
from statehub.store import Store
from statehub.store.repos import add_repo
from testing import ROOT
from testing.fleet import FleetBuilder, register
from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import sweep

pytestmark = [sqlite_only, pytest.mark.browser]

LONG = "a-repository-with-a-name-far-too-long-for-any-table-column-to-hold-" + "x" * 40
# Registered straight into the store, as a record from before names were checked would be.
WIPE = "wipe\x1b[2J\u202eme"


@pytest.fixture
def repos(fleet_builder: FleetBuilder, store: Store) -> dict[str, Path]:
    paths = {
        "experiments": fleet_builder.ahead_on_other_branch("experiments"),
        "sandbox": fleet_builder.merge_in_progress("sandbox"),
        LONG: fleet_builder.dirty("long"),
    }
    register(store, paths)
    with store.session() as db:
        add_repo(db, name=WIPE, path=str(fleet_builder.stash("wipe")))
    return paths


def test_each_badge_says_what_it_is_about_and_the_legend_what_each_means(
    page: Page, client: httpx.Client, repos: dict[str, Path]
) -> None:
    sweep(client)
    page.goto("/")

    tip = page.locator("#badge-tip")
    page.locator('tr[data-repo="experiments"] [data-finding="ahead"]').hover()
    expect(tip).to_be_visible()
    expect(tip).to_have_text(f"ahead: {MEANINGS['ahead']}\nfeature: 1 ahead of origin/feature")
    page.locator('tr[data-repo="sandbox"] [data-finding="operation_in_progress"]').hover()
    expect(tip).to_have_text(
        f"operation in progress: {MEANINGS['operation_in_progress']}\na merge is in progress"
    )
    legend = page.locator("#legend")
    legend.locator("summary").click()
    for finding in Finding:
        expect(legend).to_contain_text(MEANINGS[finding.value])


def test_a_row_opens_the_repo_page_with_since_commands_and_timeline(
    page: Page, client: httpx.Client, repos: dict[str, Path], tmp_path: Path
) -> None:
    first = sweep(client)
    sweep(client)
    page.goto("/")

    page.locator('tr[data-repo="experiments"] a.repo-name').click()

    expect(page).to_have_url(f"{page.url.split('/dashboard')[0]}/dashboard/repos/experiments")
    card = page.locator('#repo-findings [data-finding="ahead"]')
    expect(card).to_contain_text("since")
    expect(card).to_contain_text("feature: 1 ahead of origin/feature")
    expect(card.locator("code")).to_have_text(f"git -C {repos['experiments']} push origin feature")
    expect(page.locator("#repo-fetch")).to_contain_text("ok")
    timeline = page.locator("#repo-timeline > li")
    expect(timeline).to_have_count(1)  # two sweeps, one change
    expect(timeline.first.locator("a")).to_have_attribute(
        "href", f"/dashboard/sweeps/{first['sweep_id']}"
    )
    target = ROOT / "docs" / "repo-page.png"
    if os.environ.get("STATEHUB_UPDATE_SCREENSHOT") != "1":
        target = tmp_path / "repo-page.png"
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=str(target), full_page=True)


def test_long_names_are_shortened_with_the_full_name_on_hover(
    page: Page, client: httpx.Client, repos: dict[str, Path]
) -> None:
    sweep(client)
    page.goto("/")

    link = page.locator(f'tr[data-repo="{LONG}"] a.repo-name')
    expect(link).to_have_attribute("title", LONG)
    text = link.inner_text()
    assert "\u2026" in text and len(text) <= 40
    assert text.startswith(LONG[:10]) and text.endswith(LONG[-10:])


def test_a_name_with_an_escape_sequence_is_shown_spelled_out(
    page: Page, client: httpx.Client, repos: dict[str, Path]
) -> None:
    sweep(client)
    page.goto("/")

    body = page.locator("#fleet-table").inner_text()
    assert "wipe\\x1b[2J\\u202eme" in body
    assert "\x1b" not in body and "\u202e" not in body
    page.locator("a.repo-name", has_text="wipe\\x1b").click()
    expect(page.locator("#repo-title")).to_have_text("wipe\\x1b[2J\\u202eme")
    assert "\x1b" not in page.locator("main").inner_text()


def test_an_unknown_repo_page_is_404(client: httpx.Client) -> None:
    answer = client.get("/dashboard/repos/nope")
    assert answer.status_code == 404 and "No such repo" in answer.text
