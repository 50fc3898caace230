"""The cadence strip: 96 slots of 15 minutes, each sweep in the slot it started in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from statehub.cadence.slots import slot_start
from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.result import SweepResult
from statehub.sweep.result_schema import read_result
from testing.fleet import FleetBuilder, register
from testing.history import record_ran, record_skip
from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import sweep

pytestmark = [sqlite_only, pytest.mark.browser]

QUARTER = timedelta(minutes=15)


def _slot(page: Page, at: datetime) -> Locator:
    start = slot_start(at, QUARTER)
    return page.locator(f'.strip .slot[data-start="{start.isoformat()}"]')


@pytest.fixture
def real_sweep(client: httpx.Client, fleet_builder: FleetBuilder, store: Store) -> SweepResult:
    repos = {"api": fleet_builder.dirty("api"), "web": fleet_builder.clean("web")}
    register(store, repos)
    return read_result(sweep(client))


def test_a_sweep_lands_in_the_slot_it_started_in_and_links_to_itself(
    page: Page, real_sweep: SweepResult
) -> None:
    page.goto("/")

    expect(page.locator(".strip .slot")).to_have_count(96)
    slot = _slot(page, real_sweep.started_at)
    expect(slot).to_have_attribute("data-kind", "manual")
    expect(slot).to_have_attribute("href", f"/dashboard/sweeps/{real_sweep.sweep_id}")
    # Every other slot of the day is empty.
    expect(page.locator('.strip .slot[data-kind="none"]')).to_have_count(95)


def test_slots_are_coloured_by_who_ran_and_show_skips_and_failures(
    page: Page, settings: Settings, store: Store, real_sweep: SweepResult
) -> None:
    now = datetime.now(UTC)
    three_hours_ago = slot_start(now - timedelta(hours=3), QUARTER) + timedelta(seconds=20)
    core = record_ran(
        settings, store, real_sweep, started_at=three_hours_ago, triggered_by="activity-core"
    )
    record_skip(
        settings,
        store,
        started_at=three_hours_ago + timedelta(seconds=1),
        triggered_by="local-timer",
        held_by=core,
    )
    timer_only = slot_start(now - timedelta(hours=5), QUARTER) + timedelta(seconds=1)
    record_ran(settings, store, real_sweep, started_at=timer_only, triggered_by="local-timer")
    skip_only = slot_start(now - timedelta(hours=7), QUARTER) + timedelta(minutes=2)
    record_skip(settings, store, started_at=skip_only, triggered_by="activity-core", held_by=core)
    failed_at = slot_start(now - timedelta(hours=9), QUARTER) + timedelta(minutes=1)
    record_ran(
        settings, store, real_sweep, started_at=failed_at, triggered_by="local-timer", exit_code=3
    )
    too_old = now - timedelta(hours=25)
    record_ran(settings, store, real_sweep, started_at=too_old, triggered_by="activity-core")

    page.goto("/")

    both = _slot(page, three_hours_ago)
    expect(both).to_have_attribute("data-kind", "activity-core")  # the one that ran wins
    expect(both).to_have_attribute("href", f"/dashboard/sweeps/{core.sweep_id}")
    expect(_slot(page, timer_only)).to_have_attribute("data-kind", "local-timer")
    expect(_slot(page, skip_only)).to_have_attribute("data-kind", "skip")
    expect(_slot(page, failed_at)).to_have_class(re.compile(r"\bfailed\b"))
    expect(page.locator(".strip a.slot")).to_have_count(5)  # 25 h ago is off the strip

    both.hover()
    tip = page.locator("#strip-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("activity-core: ran 4 s")
    expect(tip).to_contain_text("local-timer: lock skipped")

    both.click()
    expect(page).to_have_url(re.compile(f"/dashboard/sweeps/{core.sweep_id}$"))
    expect(page.locator("h1")).to_contain_text("Sweep of")
    expect(page.locator(".facts")).to_contain_text("activity-core")


# Where the 3-hourly labels fall depends on the time of day: this puts one in each of the
# last cells of a row (two rows of 48 at a phone's width, one of 96 wider) and measures.
LABEL_AT = """(index) => {
  const cells = document.querySelectorAll('.strip > li.cell');
  for (const cell of cells) {
    cell.removeAttribute('data-hour');
    cell.classList.remove('hour-mark');
  }
  cells[index].dataset.hour = '21:00';
  cells[index].classList.add('hour-mark');
  return document.documentElement.scrollWidth;
}"""


@pytest.mark.parametrize("width", [375, 1280])
def test_an_hour_label_at_the_end_of_a_row_stays_on_the_page(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/")

    for index in [*range(40, 48), *range(88, 96)]:
        scrolled = page.evaluate(LABEL_AT, index)
        assert scrolled <= width, f"a label in cell {index} makes the page {scrolled}px wide"
