"""A day in the life, drawn: the README's screenshot, and the page at phone width.

``STATEHUB_UPDATE_SCREENSHOT=1`` writes ``docs/dashboard.png``; otherwise the
screenshot goes to the test's temporary directory, so a test run never dirties
the checkout.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from statehub.cadence.slots import slot_start
from statehub.demofleet import build_demo_fleet
from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.result import SweepResult
from statehub.sweep.result_schema import read_result
from testing import ROOT
from testing.fleet import FleetBuilder, register
from testing.history import record_ran, record_skip
from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import sweep

pytestmark = [sqlite_only, pytest.mark.browser]

QUARTER = timedelta(minutes=15)


@pytest.fixture
def short_root() -> Iterator[Path]:
    """Somewhere with a path short enough to read in the picture (pytest's are long)."""
    with tempfile.TemporaryDirectory(prefix="src-") as root:
        yield Path(root)


@pytest.fixture
def a_day(short_root: Path, client: httpx.Client, settings: Settings, store: Store) -> SweepResult:
    """The demo fleet plus trouble, and 24 h of the parallel week: activity-core and
    the local timer both firing every 15 minutes (one of them skipping on the lock),
    a tunnel outage of 45 minutes, a failed sweep, and a manual sweep."""
    repos = build_demo_fleet(short_root / "demo")
    extra = FleetBuilder(short_root / "more")
    repos |= {
        "payments": extra.conflicted("payments"),
        "scratch": extra.detached("scratch"),
        "old-site": extra.missing("old-site"),
        "archive": extra.not_a_repo("archive"),
    }
    register(store, repos)
    real = read_result(sweep(client, triggered_by="manual"))

    now = datetime.now(UTC)
    first = slot_start(now, QUARTER) - 95 * QUARTER
    for index in range(95):  # every slot but the current one, which the real sweep fills
        slot = first + index * QUARTER
        if 30 <= index < 33:
            continue  # the tunnel was down and the timer was stopped: nothing ran
        core = record_ran(
            settings,
            store,
            real,
            started_at=slot + timedelta(seconds=3),
            triggered_by="activity-core" if index >= 40 else "local-timer",
            seconds=3.5 + (index % 7) * 0.4,
            exit_code=2 if index == 61 else 0,
        )
        if index >= 40:  # the parallel week: the timer fires too and loses the lock
            record_skip(
                settings,
                store,
                started_at=slot + timedelta(seconds=4),
                triggered_by="local-timer",
                held_by=core,
            )
    # And the newest: a manual sweep just now, as an operator checking in would.
    return read_result(sweep(client, triggered_by="manual"))


def test_the_dashboard_screenshot(page: Page, a_day: SweepResult, tmp_path: Path) -> None:
    # A laptop screen's worth, tall enough for the fleet and the newest sweeps.
    page.set_viewport_size({"width": 1280, "height": 1900})
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    expect(page.locator(".strip a.slot")).to_have_count(93)
    # A badge explaining itself, as an operator's pointer would find it.
    page.locator('tr[data-repo="experiments"] [data-finding="ahead"]').hover()
    expect(page.locator("#badge-tip")).to_contain_text("feature: 1 ahead of origin/feature")

    target = ROOT / "docs" / "dashboard.png"
    if os.environ.get("STATEHUB_UPDATE_SCREENSHOT") != "1":
        target = tmp_path / "dashboard.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_it_fits_a_phone(page: Page, a_day: SweepResult, scheme: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    page.emulate_media(color_scheme=scheme)
    page.goto("/")

    expect(page.locator(".strip a.slot")).to_have_count(93)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px wide)"
    # The fleet table folds into cards: every row still names its repo.
    expect(page.locator("tr[data-repo='payments'] [data-finding='conflicted']")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"phone-{scheme}.png"), full_page=True)  # to look at
