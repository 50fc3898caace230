"""The banner in Chromium, each level over a real fleet in that state: degraded by a remote
that cannot be fetched, failed, N repos needing action (200 of 200, where the count is the
text), and "on schedule, all N repos clean" only when it is all true. Overdue is in
test_banner_overdue.py (it needs a cadence short enough to miss for real).

``STATEHUB_UPDATE_SCREENSHOT=1`` writes ``docs/dashboard-degraded.png``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from statehub.settings import Settings
from statehub.store import Store
from testing import ROOT
from testing.fleet import FleetBuilder, register
from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import sweep

pytestmark = [sqlite_only, pytest.mark.browser]


def _levels(page: Page) -> list[str]:
    return page.locator("#banner .verdict").evaluate_all("els => els.map(e => e.dataset.level)")


def _colour(page: Page, level: str) -> str:
    return page.locator(f'#banner .verdict[data-level="{level}"]').evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )


def test_a_clean_fleet_on_schedule_is_the_only_green(
    page: Page, client: httpx.Client, fleet_builder: FleetBuilder, store: Store
) -> None:
    register(store, {name: fleet_builder.clean(name) for name in ("api", "web", "docs")})
    sweep(client)
    page.goto("/")

    assert _levels(page) == ["ok"]
    expect(page.locator("#banner")).to_have_attribute("data-level", "ok")
    expect(page.locator("#banner .verdict-head")).to_contain_text("On schedule, all 3 repos clean")
    schedule = page.locator("#banner .schedule")
    expect(schedule).to_contain_text("last sweep that ran: manual, finished")


def test_a_failing_remote_makes_the_banner_degraded_before_the_repos_needing_action(
    page: Page, client: httpx.Client, fleet_builder: FleetBuilder, store: Store, tmp_path: Path
) -> None:
    broken = fleet_builder.clean("billing")
    fleet_builder.git(broken, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    register(
        store,
        {"billing": broken, "api": fleet_builder.behind("api"), "web": fleet_builder.clean("web")},
    )
    sweep(client)
    page.goto("/")

    assert _levels(page) == ["degraded", "action"]
    head = page.locator("#banner .verdict-head")
    expect(head).to_contain_text("Degraded: the last sweep did not see the whole fleet")
    # The reason, visible: which repo could not be fetched, counted as such.
    expect(head.locator(".reasons")).to_contain_text(
        "1 of 3 repos could not be fetched; 1 failed: billing"
    )
    action = page.locator('#banner .verdict[data-level="action"]')
    expect(action).to_contain_text("2 of 3 repos need action")
    expect(action.locator('[data-finding="behind"]')).to_contain_text("behind 1")
    expect(action.locator('[data-finding="fetch_failed"]')).to_contain_text("fetch failed 1")
    # Still on schedule, said quietly: not as a green headline.
    expect(page.locator("#banner .schedule")).to_contain_text("Sweeps on schedule")
    expect(page.locator("#banner .verdict-ok")).to_have_count(0)
    assert _colour(page, "degraded") != _colour(page, "action")

    target = ROOT / "docs" / "dashboard-degraded.png"
    if os.environ.get("STATEHUB_UPDATE_SCREENSHOT") != "1":
        target = tmp_path / "dashboard-degraded.png"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(color_scheme="light")
    page.screenshot(path=str(target))


def test_a_top_finding_opens_the_fleet_filtered_to_it(
    page: Page, client: httpx.Client, fleet_builder: FleetBuilder, store: Store
) -> None:
    register(
        store,
        {
            "api": fleet_builder.dirty("api"),
            "web": fleet_builder.dirty("web"),
            "docs": fleet_builder.stash("docs"),
        },
    )
    sweep(client)
    page.goto("/")

    counted = page.locator("#banner .top-findings [data-finding]")
    assert counted.evaluate_all("els => els.map(e => e.textContent.trim())") == [
        "dirty 2",
        "stash 1",
    ]
    counted.first.click()
    expect(page).to_have_url("/?finding=dirty")
    expect(page.locator("#fleet-table tbody tr:not([hidden])")).to_have_count(2)


def test_a_sweep_that_could_not_start_is_failed_and_said_first(
    page: Page, client: httpx.Client, fleet_builder: FleetBuilder, store: Store, settings: Settings
) -> None:
    register(store, {"api": fleet_builder.clean("api")})
    sweep(client)
    # The lock path made a directory: the next sweep cannot open its lock, for real.
    settings.lock_path.unlink(missing_ok=True)
    settings.lock_path.mkdir()
    answer = client.post("/consistency/sweep/remote-all", json={"max_seconds": 60})
    assert answer.status_code >= 500 or answer.json().get("health") == "failed", answer.text
    page.goto("/")

    assert _levels(page)[0] == "failed"
    expect(page.locator("#banner .verdict-head")).to_contain_text("Last sweep failed")
    expect(page.locator("#banner .verdict-head .reasons")).to_contain_text("cannot be opened")
    expect(page.locator("#banner")).to_have_attribute("role", "alert")


@pytest.fixture
def two_hundred(fleet_builder: FleetBuilder, store: Store, tmp_path: Path) -> int:
    """200 real repos, each with uncommitted work: one built, 199 copies of it (a copy of a
    work tree is the same repo to git, and 40 times faster than building each)."""
    first = fleet_builder.dirty("repo-000")
    repos = {"repo-000": first}
    for index in range(1, 200):
        name = f"repo-{index:03d}"
        repos[name] = Path(shutil.copytree(first, tmp_path / "copies" / name, symlinks=True))
    register(store, repos)
    return len(repos)


def test_two_hundred_of_two_hundred_needing_action_is_not_on_schedule_green(
    page: Page, client: httpx.Client, two_hundred: int
) -> None:
    result = sweep(client)
    assert len(result["repos_processed"]) == two_hundred
    page.goto("/")

    assert _levels(page) == ["action"]
    head = page.locator("#banner .verdict-head")
    expect(head).to_contain_text("200 of 200 repos need action")
    expect(head.locator('[data-finding="dirty"]')).to_contain_text("dirty 200")
    expect(page.locator("#banner .verdict-ok")).to_have_count(0)
    expect(page.locator("#banner")).to_have_attribute("data-level", "action")
