"""Dashboard fixtures: the app served for real on loopback over a real fleet, and
Debian's Chromium driven by Playwright (no ``playwright install``: no network)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Route, sync_playwright

from statehub.settings import Settings
from statehub.store import Store
from testing.fleet import FleetBuilder, register
from testing.serve import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# One repo per state the badges must show; name → the findings a sweep reports.
FLEET_STATES: dict[str, tuple[str, ...]] = {
    "clean": (),
    "dirty": ("dirty",),
    "staged": ("staged",),
    "untracked": ("untracked",),
    "stash": ("stash",),
    "ahead": ("ahead",),
    "behind": ("behind",),
    "diverged": ("diverged",),
    "detached": ("detached",),
    "no_upstream": ("no_upstream",),
    "conflicted": ("conflicted", "operation_in_progress"),
    "merge_in_progress": ("operation_in_progress",),
    "missing": ("missing",),
    "not_a_repo": ("error",),
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The shared home (tests/fixtures_home.py), with a pool that takes a whole test fleet
    # in one wave.
    return replace(settings, workers=8)


@pytest.fixture
def fleet(fleet_builder: FleetBuilder, store: Store) -> dict[str, Path]:
    """Every state in FLEET_STATES, built for real and registered under its name."""
    repos = {name: getattr(fleet_builder, name)(name) for name in FLEET_STATES}
    register(store, repos)
    return repos


@pytest.fixture
def troubled_fleet(fleet_builder: FleetBuilder, store: Store, tmp_path: Path) -> dict[str, Path]:
    """A repo whose remote is gone (its fetch fails, it is still read), a directory that
    is not a repo (unreadable) and a clean repo: what the summary line counts apart."""
    broken = fleet_builder.clean("billing")
    fleet_builder.git(broken, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    repos = {
        "billing": broken,
        "notes": fleet_builder.not_a_repo("notes"),
        "api": fleet_builder.clean("api"),
    }
    register(store, repos)
    return repos


def sweep(client: httpx.Client, **body: object) -> dict:
    """One synchronous sweep through the API, as activity-core runs it."""
    answer = client.post("/consistency/sweep/remote-all", json={"max_seconds": 60, **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- the browser ----------------------------------------------------------------


# Package scope, not session: while Playwright's sync API runs, its event loop counts as
# running on the main thread, and every later test that calls asyncio.run() would fail.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("STATEHUB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"STATEHUB_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # One browser for the dashboard tests (starting Chromium is the slow part); every
    # test gets a fresh context, so no cookie or storage crosses tests.
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


class PageWatch:
    """What a page did that it must not: reach beyond the server, or throw."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.foreign: list[str] = []
        self.errors: list[str] = []

    def route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or f"{parts.scheme}://{parts.netloc}" == self.origin:
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def console(self, message: ConsoleMessage) -> None:
        # 401s the page expects (sign-in) show up as console errors too.
        if message.type == "error" and "401" not in message.text:
            self.errors.append(message.text)


def open_page(browser: Browser, origin: str, **context_options: object) -> Iterator[Page]:
    """A page in a fresh context that may only talk to ``origin`` and must not throw."""
    context = browser.new_context(base_url=origin, **context_options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    watch = PageWatch(origin)
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("console", watch.console)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    # Offline means offline: every asset comes from State Hub itself.
    assert watch.foreign == [], f"the page reached beyond State Hub: {watch.foreign}"
    assert watch.errors == [], f"the page logged errors: {watch.errors}"


@pytest.fixture
def page(browser: Browser, live: LiveServer) -> Iterator[Page]:
    yield from open_page(browser, live.url)
