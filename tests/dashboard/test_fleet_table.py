"""The fleet table: one row per real repo, the right badges, needing action first, sortable."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import FLEET_STATES, sweep

pytestmark = [sqlite_only, pytest.mark.browser]


def _badges(page: Page, repo: str) -> list[str]:
    row = page.locator(f'#fleet-table tbody tr[data-repo="{repo}"]')
    return row.locator("[data-finding]").evaluate_all("els => els.map(e => e.dataset.finding)")


def _names(page: Page) -> list[str]:
    return page.locator("#fleet-table tbody tr").evaluate_all(
        "rows => rows.filter(r => !r.hidden).map(r => r.dataset.repo)"
    )


def test_it_shows_each_repo_with_the_badges_its_state_calls_for(
    page: Page, client: httpx.Client, fleet: dict[str, Path]
) -> None:
    sweep(client)
    page.goto("/")

    expect(page.locator("#fleet-table tbody tr")).to_have_count(len(FLEET_STATES))
    for repo, findings in FLEET_STATES.items():
        assert sorted(_badges(page, repo)) == sorted(findings), repo
    expect(page.locator('tr[data-repo="clean"]')).to_contain_text("clean")
    expect(
        page.locator('tr[data-repo="diverged"] td[data-label="Ahead / behind"]')
    ).to_contain_text("1 ahead, 1 behind")
    expect(page.locator('tr[data-repo="detached"] td[data-label="Branch"]')).to_contain_text(
        "detached at"
    )
    expect(page.locator('tr[data-repo="not_a_repo"]')).to_contain_text("not a git work tree")
    expect(page.locator(".stat", has_text="need action")).to_contain_text(
        str(len(FLEET_STATES) - 1)
    )


def test_repos_needing_action_come_first(
    page: Page, client: httpx.Client, fleet: dict[str, Path]
) -> None:
    sweep(client)
    page.goto("/")

    names = _names(page)
    assert names[-1] == "clean"
    assert sorted(names[:-1]) == names[:-1]  # by name within the group


def test_before_any_sweep_every_repo_says_it_was_not_checked(
    page: Page, fleet: dict[str, Path]
) -> None:
    page.goto("/")

    expect(page.locator("#fleet-table tbody tr.status-unchecked")).to_have_count(len(FLEET_STATES))
    expect(page.locator("#sweeps")).to_contain_text("No sweep recorded yet")


def test_column_buttons_sort_the_table_both_ways(
    page: Page, client: httpx.Client, fleet: dict[str, Path]
) -> None:
    sweep(client)
    page.goto("/")
    repo_header = page.locator("#fleet-table thead th").first

    page.get_by_role("button", name="Repo").click()
    expect(repo_header).to_have_attribute("aria-sort", "ascending")
    assert _names(page) == sorted(FLEET_STATES)

    page.get_by_role("button", name="Repo").click()
    expect(repo_header).to_have_attribute("aria-sort", "descending")
    assert _names(page) == sorted(FLEET_STATES, reverse=True)

    page.get_by_role("button", name="Ahead / behind").click()  # most ahead first
    assert _names(page)[:2] == ["ahead", "diverged"]
