"""The fleet's paths and badges in Chromium: a path keeps its last components in the room
its row has (measured on the rendered text, at a phone's width and a laptop's), shows and
copies whole; each badge explains itself on hover and on keyboard focus.

``STATEHUB_UPDATE_SCREENSHOT=1`` writes ``docs/dashboard-narrow.png``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from statehub.fleet.explain import MEANINGS
from statehub.store import Store
from testing import ROOT
from testing.fleet import FleetBuilder, register
from testing.serve import LiveServer
from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import open_page, sweep

pytestmark = [sqlite_only, pytest.mark.browser]

ELLIPSIS = "\u2026/"

# How the rendered text stands in its box: fits, and whether one component more would.
MEASURE = """(span) => {
  const shown = span.textContent;
  const parts = span.dataset.path.split('/');
  const kept = shown.startsWith('\u2026/') ? shown.slice(2).split('/').length : parts.length;
  const probe = span.cloneNode(false);
  probe.textContent = '\u2026/' + parts.slice(-(kept + 1)).join('/');
  span.after(probe);
  const roomier = probe.scrollWidth > probe.clientWidth;
  probe.remove();
  return {shown, fits: span.scrollWidth <= span.clientWidth, nextOverflows: roomier,
          kept, total: parts.length - 1};
}"""


@pytest.fixture
def deep(fleet_builder: FleetBuilder, store: Store, tmp_path: Path) -> dict[str, Path]:
    """Repos nested as a workstation nests them, under a long root, one with a remote that
    cannot be fetched and one in a directory whose name holds an escape sequence."""
    team = FleetBuilder(tmp_path / "home" / "operator" / "src" / "platform-team")
    repos = {
        "experiments": team.ahead_on_other_branch("experiments"),
        "billing": team.clean("billing"),
        "payments-api": team.behind("payments-api"),
    }
    billing = repos["billing"]
    team.git(billing, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    evil = FleetBuilder(tmp_path / "home" / "operator" / "src" / "wipe\x1b[2J")
    repos["wiper"] = evil.dirty("wiper")
    register(store, repos)
    return repos


def _path(page: Page, repo: str) -> Locator:
    return page.locator(f'tr[data-repo="{repo}"] .repo-path')


# The paths are re-cut on the frame after a resize; this waits for that cut, not a sleep.
REFITTED = """() => {
  const body = document.getElementById('fleet-body');
  return body.dataset.fittedFor === String(body.clientWidth);
}"""


def _resize(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_function(REFITTED)


def test_a_path_keeps_its_last_components_in_the_room_its_row_has(
    page: Page, client: httpx.Client, deep: dict[str, Path], tmp_path: Path
) -> None:
    sweep(client)
    page.set_viewport_size({"width": 375, "height": 900})
    page.goto("/")

    span = _path(page, "payments-api")
    full = str(deep["payments-api"])
    expect(span).to_have_attribute("title", full)
    page.wait_for_function(REFITTED)
    narrow = span.evaluate(MEASURE)
    assert narrow["shown"].startswith(ELLIPSIS), narrow
    assert narrow["shown"].endswith("/platform-team/repos/payments-api"), narrow
    assert narrow["fits"] and narrow["nextOverflows"], narrow  # the most that fits, no more

    target = ROOT / "docs" / "dashboard-narrow.png"
    if os.environ.get("STATEHUB_UPDATE_SCREENSHOT") != "1":
        target = tmp_path / "dashboard-narrow.png"
    page.screenshot(path=str(target), full_page=True)

    # A window (the table, not cards) short of room, then a wide one: the cut follows.
    _resize(page, 800)
    window = span.evaluate(MEASURE)
    assert window["fits"] and window["nextOverflows"], window
    _resize(page, 1600)
    expect(span).not_to_have_text(window["shown"])
    wide = span.evaluate(MEASURE)
    assert wide["fits"] and wide["kept"] > window["kept"], (window, wide)
    assert wide["shown"] == full or wide["nextOverflows"], wide


def test_copying_a_shortened_path_copies_all_of_it(
    browser: Browser, live: LiveServer, client: httpx.Client, deep: dict[str, Path]
) -> None:
    sweep(client)
    pages: Iterator[Page] = open_page(
        browser,
        live.url,
        viewport={"width": 375, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = next(pages)
    try:
        page.goto("/")
        span = _path(page, "payments-api")
        expect(span).to_contain_text(ELLIPSIS)
        span.click()  # user-select: all — one click takes the whole text
        page.keyboard.press("Control+C")
        assert page.evaluate("navigator.clipboard.readText()") == str(deep["payments-api"])
    finally:
        next(pages, None)


def test_a_path_with_an_escape_sequence_is_shown_spelled_out(
    page: Page, client: httpx.Client, deep: dict[str, Path]
) -> None:
    sweep(client)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto("/")

    spelled = str(deep["wiper"]).replace("\x1b", "\\x1b")
    span = _path(page, "wiper")
    expect(span).to_have_attribute("title", spelled)
    assert "\x1b" not in span.inner_text()
    assert span.inner_text().endswith("/wipe\\x1b[2J/repos/wiper")


def test_each_badge_explains_itself_on_hover_and_on_keyboard_focus(
    page: Page, client: httpx.Client, deep: dict[str, Path]
) -> None:
    sweep(client)
    page.goto("/")
    tip = page.locator("#badge-tip")
    expect(tip).to_be_hidden()

    # Hover: what the code means, and what it is about in this repo.
    page.locator('tr[data-repo="experiments"] [data-finding="ahead"]').hover()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(MEANINGS["ahead"])
    expect(tip).to_contain_text("feature: 1 ahead of origin/feature")

    # Keyboard: Tab from the repo's link reaches its badge, which shows the remote that failed.
    page.locator('tr[data-repo="billing"] a.repo-name').focus()
    page.keyboard.press("Tab")
    badge = page.locator('tr[data-repo="billing"] [data-finding="fetch_failed"]')
    expect(badge).to_be_focused()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(MEANINGS["fetch_failed"])
    expect(tip).to_contain_text("origin")
    expect(tip).to_contain_text("gone.git")  # git's own line names what it could not read
    expect(badge).to_have_attribute("aria-describedby", "badge-tip")
    outline = badge.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Escape")  # dismissible without moving
    expect(tip).to_be_hidden()

    page.locator('tr[data-repo="payments-api"] [data-finding="behind"]').focus()
    expect(tip).to_contain_text("main: 1 behind origin/main")
    # The tooltip stays inside the viewport even for the last rows.
    box = tip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0


def test_without_script_the_badges_and_paths_still_explain_themselves(
    browser: Browser, live: LiveServer, client: httpx.Client, deep: dict[str, Path]
) -> None:
    sweep(client)
    pages = open_page(browser, live.url, java_script_enabled=False)
    page = next(pages)
    try:
        page.goto("/")
        badge = page.locator('tr[data-repo="payments-api"] [data-finding="behind"]')
        expect(badge).to_have_attribute(
            "title", f"behind: {MEANINGS['behind']}\nmain: 1 behind origin/main"
        )
        # What a screen reader says after the label.
        expect(badge.locator(".visually-hidden")).to_have_text(
            f": {MEANINGS['behind']}; here: main: 1 behind origin/main"
        )
        expect(_path(page, "payments-api")).to_have_attribute("title", str(deep["payments-api"]))
        legend = page.locator("#legend")
        legend.locator("summary").click()
        expect(legend).to_contain_text(MEANINGS["fetch_failed"])
    finally:
        next(pages, None)
