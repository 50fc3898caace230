"""With STATEHUB_TOKEN set, ``statehub serve`` shows nothing about the fleet until the
browser signs in, once; then an HttpOnly, SameSite=Strict cookie carries the sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from statehub.store import Store
from testing.fleet import FleetBuilder, register
from testing.serve import ServeProcess, free_port, serve_process, statehub_env
from tests.api.helpers import sqlite_only
from tests.dashboard.conftest import open_page

pytestmark = [sqlite_only, pytest.mark.browser]

TOKEN = "s3cret-Dashboard-token"
# Names that appear nowhere on the sign-in page, so finding one there is a leak.
SECRET_REPOS = ("ledger-service", "billing-ui")


@pytest.fixture
def served(
    tmp_path: Path, database_url: str, store: Store, fleet_builder: FleetBuilder
) -> Iterator[ServeProcess]:
    register(
        store,
        {
            "ledger-service": fleet_builder.dirty("ledger-service"),
            "billing-ui": fleet_builder.ahead("billing-ui"),
        },
    )
    port = free_port()
    env = statehub_env(tmp_path / "home", database_url, STATEHUB_TOKEN=TOKEN)
    with serve_process(env, tmp_path / "serve.log", port=port) as process:
        yield process


@pytest.fixture
def guarded_page(browser: Browser, served: ServeProcess) -> Iterator[Page]:
    yield from open_page(browser, served.url)


def _shows_nothing_of_the_fleet(page: Page) -> None:
    expect(page.get_by_label("Access token")).to_be_visible()
    html = page.content()
    for name in SECRET_REPOS:
        assert name not in html
    assert page.locator("#fleet-table, #sweeps, #cadence").count() == 0


def test_without_the_token_nothing_about_the_fleet_is_shown(guarded_page: Page) -> None:
    page = guarded_page
    answer = page.goto("/")
    assert answer is not None and answer.status == 401
    _shows_nothing_of_the_fleet(page)

    page.goto("/dashboard/sweeps/6f1c5d1e-0000-4000-8000-000000000000")
    _shows_nothing_of_the_fleet(page)
    assert page.request.get("/repos").status == 401

    page.goto("/")
    page.get_by_label("Access token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("that is not this server's token")
    _shows_nothing_of_the_fleet(page)
    assert page.context.cookies() == []


def test_the_token_is_asked_once_and_kept_in_a_strict_httponly_cookie(guarded_page: Page) -> None:
    page = guarded_page
    page.goto("/")
    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("tr[data-repo='ledger-service']")).to_be_visible()
    [cookie] = page.context.cookies()
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["value"] != TOKEN  # the browser never holds the bearer token itself
    assert page.evaluate("document.cookie") == ""  # out of reach of any script

    # Asked once: a new tab and a reload are still signed in.
    second = page.context.new_page()
    second.goto("/")
    expect(second.locator("tr[data-repo='billing-ui']")).to_be_visible()
    second.close()

    # The dashboard's own API calls go through with the cookie (and its header).
    page.get_by_role("button", name="Sweep now").click()
    expect(page.locator("#sweep-progress")).to_contain_text("Sweep done", timeout=20_000)
    expect(page.locator("tr[data-repo='ledger-service'] [data-finding='dirty']")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    _shows_nothing_of_the_fleet(page)
    assert page.context.cookies() == []


def test_a_link_from_another_site_opens_the_signed_in_dashboard(guarded_page: Page) -> None:
    page = guarded_page
    page.goto("/")
    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("tr[data-repo='ledger-service']")).to_be_visible()

    # A chat message or a ticket links to the dashboard: a cross-site navigation,
    # on which the browser withholds a SameSite=Strict cookie.
    elsewhere = "http://tickets.example.test/"
    dashboard = page.url
    link = f'<a href="{dashboard}">the dashboard</a>'
    page.route(elsewhere, lambda route: route.fulfill(body=link, content_type="text/html"))
    page.goto(elsewhere)
    statuses: list[int] = []
    page.on(
        "response",
        lambda answer: statuses.append(answer.status) if answer.url == dashboard else None,
    )
    page.get_by_role("link", name="the dashboard").click()

    expect(page.locator("tr[data-repo='ledger-service']")).to_be_visible()
    assert statuses == [401, 200]  # withheld on the way in, sent on the reload
