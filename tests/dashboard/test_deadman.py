"""The dashboard's status says whether the dead man's switch is configured and what its last
ping became (on hover) — over a real server whose sweeps ping a real loopback check."""

from __future__ import annotations

import html
from dataclasses import replace

import httpx

from statehub.api import create_app
from statehub.settings import Settings
from statehub.store import Store, deliveries
from testing.fleet import FleetBuilder, register
from testing.pings import CHECK_PATH, PingCheck
from testing.serve import LiveServer
from testing.waiting import wait_for
from tests.dashboard.conftest import sweep


def test_without_a_ping_url_it_says_the_switch_is_not_configured(client: httpx.Client) -> None:
    page = html.unescape(client.get("/").text)

    assert 'data-deadman="off"' in page
    assert "Dead man's switch: not configured — set STATEHUB_PING_URL" in page


def test_with_one_it_names_the_check_without_its_key_and_the_last_ping(
    settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(store, {"web": fleet_builder.clean("web")})
    with PingCheck(answer="error").serving() as check:
        pinging = replace(settings, ping_url=check.url)
        with LiveServer(create_app(pinging, store)) as server, server.client() as client:
            sweep(client)

            def logged() -> bool:
                with store.reading() as db:
                    return len(deliveries.recent(db, kind="ping")) == 2

            wait_for(logged, what="the sweep's two pings recorded")
            page = html.unescape(client.get("/").text)

    host = check.url.removesuffix(CHECK_PATH)
    assert 'data-deadman="failing"' in page  # configured, and its last ping was refused
    assert f"Dead man's switch: pinging {host}/… · last ping success" in page
    assert "failed: HTTP 500: internal error" in page
    assert CHECK_PATH not in page
