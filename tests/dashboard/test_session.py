"""The dashboard's sign-in cookie, as the API sees it: accepted in place of the bearer
token, refused for a state-changing request without the dashboard's header."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from statehub.api import create_app
from statehub.api.auth import COOKIE_NAME, DASHBOARD_HEADER, cookie_value
from statehub.settings import Secret, Settings
from statehub.store import Store
from testing.serve import LiveServer
from tests.api.helpers import sqlite_only

pytestmark = sqlite_only

TOKEN = "s3cret-Token-for-tests"
MARK = {DASHBOARD_HEADER: "1"}


@pytest.fixture
def guarded(settings: Settings, store: Store) -> Iterator[LiveServer]:
    with_token = replace(settings, token=Secret(TOKEN))
    with LiveServer(create_app(with_token, store)) as server:
        yield server


def _sign_in(client: httpx.Client) -> None:
    answer = client.post("/dashboard/session", json={"token": TOKEN}, headers=MARK)
    assert answer.status_code == 204, answer.text


def test_signing_in_sets_a_strict_httponly_cookie_that_is_not_the_token(
    guarded: LiveServer,
) -> None:
    with guarded.client() as client:
        answer = client.post("/dashboard/session", json={"token": TOKEN}, headers=MARK)

    assert answer.status_code == 204
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}={cookie_value(TOKEN)};")
    assert TOKEN not in cookie
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age="):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain http on loopback: Secure would drop it


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ({"token": "wrong"}, MARK, 401),
        ({"token": TOKEN}, {}, 403),  # a cross-site form cannot send the header
        ({"token": TOKEN, "extra": 1}, MARK, 422),
        ({}, MARK, 422),
    ],
)
def test_signing_in_refuses(
    guarded: LiveServer, body: dict, headers: dict[str, str], status: int
) -> None:
    with guarded.client() as client:
        answer = client.post("/dashboard/session", json=body, headers=headers)

    assert answer.status_code == status
    assert "set-cookie" not in answer.headers


def test_the_cookie_opens_the_api_but_a_post_needs_the_header(guarded: LiveServer) -> None:
    with guarded.client() as client:
        _sign_in(client)
        assert client.get("/repos").status_code == 200
        assert client.get("/").status_code == 200
        assert client.get("/dashboard/session").status_code == 204
        # A form-like POST riding on the cookie alone is refused…
        assert client.post("/progress/", json={"event_type": "x"}).status_code == 401
        # …and the dashboard's own (with its header) goes through.
        assert client.post("/progress/", json={"event_type": "x"}, headers=MARK).status_code == 201


def test_a_forged_or_stale_cookie_opens_nothing(guarded: LiveServer) -> None:
    for value in ("forged", cookie_value("an-old-token"), TOKEN):
        with guarded.client(cookies={COOKIE_NAME: value}) as client:
            assert client.get("/repos").status_code == 401
            assert client.get("/dashboard/session").status_code == 401
            page = client.get("/")
            assert page.status_code == 401
            assert "Access token" in page.text


def test_the_bearer_token_still_works_and_signing_out_forgets_the_cookie(
    guarded: LiveServer,
) -> None:
    with guarded.client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        assert client.get("/").status_code == 200

    with guarded.client() as client:
        _sign_in(client)
        answer = client.delete("/dashboard/session", headers=MARK)
        assert answer.status_code == 204
        assert "Max-Age=0" in answer.headers["set-cookie"]
        assert client.get("/repos").status_code == 401


def test_without_a_token_there_is_nothing_to_sign_in_to(client: httpx.Client) -> None:
    answer = client.post("/dashboard/session", json={"token": "x"}, headers=MARK)

    assert answer.status_code == 409
    assert client.get("/").status_code == 200
