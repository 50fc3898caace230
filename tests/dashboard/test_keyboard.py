"""Everything that acts can be reached and used from the keyboard, visibly."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import sweep

pytestmark = [sqlite_only, pytest.mark.browser]

DESCRIBE_FOCUS = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {
    what: e.matches('.slot') ? 'slot' : e.matches('#sweeps-table a') ? 'sweep-link'
        : e.matches('thead button') ? 'sort:' + e.textContent.trim()
        : e.tagName.toLowerCase() + ':' + (e.id || e.textContent.trim()),
    outline: style.outlineStyle,
  };
}"""


def test_tab_reaches_every_control_with_a_visible_focus(
    page: Page, client: httpx.Client, fleet: dict[str, Path]
) -> None:
    sweep(client)
    page.goto("/")

    seen: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focus = page.evaluate(DESCRIBE_FOCUS)
        assert focus["outline"] != "none", f"{focus['what']} has no visible focus"
        seen.append(focus["what"])
        if focus["what"] == "sweep-link":
            break

    assert seen[0] == "a:Skip to content"
    for wanted in (
        "button:sweep-now",
        "slot",
        "input:filter-name",
        "select:filter-finding",
        "sort:Repo",
        "sort:Last changed",
        "sweep-link",
    ):
        assert wanted in seen, f"{wanted} not reachable by Tab; got {seen}"
    # Only slots that hold a sweep take focus: the day's 95 empty ones do not.
    assert seen.count("slot") == 1


def test_keys_drive_the_controls(page: Page, client: httpx.Client, fleet: dict[str, Path]) -> None:
    sweep(client)
    page.goto("/")

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    expect(page.locator("main")).to_be_focused()

    page.locator(".strip a.slot").focus()
    expect(page.locator("#strip-tip")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#strip-tip")).to_be_hidden()

    page.get_by_role("button", name="Repo").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#fleet-table thead th").first).to_have_attribute("aria-sort", "ascending")

    page.get_by_label("Finding").focus()
    page.keyboard.press("ArrowDown")  # all repos → needs action
    expect(page.locator("#fleet-table tbody tr:not([hidden])")).to_have_count(len(fleet) - 1)
