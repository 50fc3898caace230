"""Auth and reach: every route but the few open ones refuses a missing or wrong token (the
routes are read from the app, so a new one is covered the day it is added); the token never
shows up in a log, an event, the database or an error; no request reaches outside the
registry.

Already proven elsewhere and not repeated here: a non-loopback bind without a token is
refused (tests/api/test_auth.py::test_serve_refuses_a_public_address_without_a_token, and the
other addresses below).
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from statehub.api import create_app
from statehub.cli.serve import is_loopback
from statehub.settings import Secret, Settings
from statehub.store import Store
from testing import ROOT
from testing.fleet import FleetBuilder, register
from testing.serve import LiveServer, free_port, serve_process, statehub_env
from tests.reliability.support import sweep_events

TOKEN = "rel-Tok3n-0d9f8e7c6b5a"
# Open on purpose, and why.
OPEN = {
    ("GET", "/health"): "liveness for the tunnel's health check",
    ("DELETE", "/session"): "signing out only clears the caller's own cookie",
}
OPEN_PREFIXES = {"/dashboard/static": "the sign-in form's stylesheet and script"}
WRONG = [
    None,
    "Bearer wrong",
    f"Basic {TOKEN}",
    f"Bearer {TOKEN}x",
    f"Bearer {TOKEN[:-1]}",
    "Bearer",
]
SAMPLE = {"sweep_id": str(uuid.uuid4()), "event_id": "1", "name": "x"}


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, through included routers and mounts."""
    for route in routes:
        original = getattr(route, "original_router", None)  # FastAPI's lazily included routers
        if original is not None:
            context = getattr(route, "include_context", None)
            yield from _routes(original.routes, prefix + getattr(context, "prefix", ""))
        elif isinstance(route, APIRoute | Route):
            for method in sorted(route.methods or []):
                if method != "HEAD":
                    yield method, prefix + route.path
        elif isinstance(route, Mount):
            yield "GET", prefix + route.path + "/{path}"
        else:
            raise AssertionError(f"a kind of route this test does not know: {route!r}")


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE.get(m.group(1), "x"), path)


def _is_open(method: str, path: str) -> bool:
    return (method, path) in OPEN or any(path.startswith(p) for p in OPEN_PREFIXES)


@pytest.fixture
def app(settings: Settings, store: Store) -> FastAPI:
    return create_app(replace(settings, token=Secret(TOKEN)), store)


@pytest.fixture
def guarded(app: FastAPI) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


def test_the_route_list_is_read_from_the_app(app: FastAPI) -> None:
    found = set(_routes(app.routes))
    # A sanity floor: the walk sees through included routers (if FastAPI changes how it
    # keeps them, this fails instead of silently checking nothing).
    assert {
        ("POST", "/consistency/sweep/remote-all"),
        ("GET", "/consistency/sweeps/{sweep_id}"),
        ("GET", "/progress/"),
        ("POST", "/progress/"),
        ("GET", "/repos/{name}"),
        ("GET", "/openapi.json"),
        ("GET", "/health"),
    } <= found


def test_every_route_but_the_open_ones_refuses_a_missing_or_wrong_token(
    app: FastAPI, guarded: LiveServer
) -> None:
    checked = []
    with guarded.client() as client:
        for method, path in sorted(set(_routes(app.routes))):
            if _is_open(method, path):
                continue
            for authorization in WRONG:
                headers = {"Authorization": authorization} if authorization is not None else {}
                answer = client.request(
                    method, _concrete(path), headers=headers, json={"token": "wrong"}
                )
                assert answer.status_code in (401, 403), (method, path, authorization, answer)
                assert TOKEN not in answer.text
            checked.append((method, path))
    assert len(checked) >= 10, checked


def test_the_open_routes_are_only_these(app: FastAPI) -> None:
    open_now = {(m, p) for m, p in _routes(app.routes) if _is_open(m, p)}
    assert {(m, p) for m, p in open_now if not p.startswith(tuple(OPEN_PREFIXES))} <= set(OPEN)


def test_the_token_never_reaches_a_log_an_event_the_database_or_an_error(
    tmp_path: Path, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(store, {"dirty": fleet_builder.dirty("dirty")})
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = statehub_env(settings.home, settings.resolved_database_url, STATEHUB_TOKEN=TOKEN)
    good = {"Authorization": f"Bearer {TOKEN}"}
    answers: list[httpx.Response] = []
    with serve_process(env, tmp_path / "serve.log", port=port):
        with httpx.Client(base_url=api, timeout=60) as client:
            answers += [
                client.post("/consistency/sweep/remote-all", headers=good, json={}),
                client.post("/consistency/sweep/remote-all", headers=good, json={"bad": 1}),
                client.post("/progress/", headers=good, json={"event_type": "x", "summary": "s"}),
                client.get("/repos/nope", headers=good),
                client.get("/progress/", headers={"Authorization": f"Bearer {TOKEN}x"}),
                client.get("/progress/", headers={"Authorization": f"Basic {TOKEN}"}),
                client.get("/consistency/status", headers=good),
            ]
        cli = subprocess.run(
            [sys.executable, "-m", "statehub", "sweep", "--remote-all", "--json"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert [a.status_code for a in answers] == [200, 422, 201, 404, 401, 401, 200]
    for answer in answers:
        assert TOKEN not in answer.text and TOKEN not in str(answer.headers)
    assert TOKEN not in cli.stdout + cli.stderr
    log = (tmp_path / "serve.log").read_text()
    assert "POST /consistency/sweep/remote-all" in log and TOKEN not in log
    assert all(TOKEN not in str(e.payload) for e in sweep_events(store))
    store.dispose()  # every byte of the database file, WAL included, checkpointed or not
    for path in settings.home.parent.glob("statehub.db*"):
        assert TOKEN.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "workstation.example"])
def test_serve_refuses_an_exposed_address_without_a_token(settings: Settings, host: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "statehub", "serve", "--host", host, "--port", str(free_port())],
        env=statehub_env(settings.home, settings.resolved_database_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"refusing to serve on {host} without a token" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("localhost.evil.example", False),
    ],
)
def test_only_loopback_addresses_count_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def _raw_get(server: LiveServer, target: str) -> tuple[int, str]:
    """GET with the target exactly as written: httpx would normalise the dot segments."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", target, headers={"Authorization": f"Bearer {TOKEN}"})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "target",
    [
        "/repos/..%2F..%2Fetc%2Fpasswd",
        "/repos/../../etc/passwd",
        "/repos/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/repos/..",
        "/consistency/sweeps/..%2F..%2Fetc%2Fpasswd",
        "/dashboard/static/..%2F..%2F..%2Fsettings.py",
        "/dashboard/static/../../../../etc/passwd",
        "/progress/..%2F1",
    ],
)
def test_no_path_in_a_url_reaches_the_file_system(guarded: LiveServer, target: str) -> None:
    status, body = _raw_get(guarded, target)
    assert status in (400, 404, 422), (status, body[:200])
    assert "root:" not in body and "import" not in body


def test_no_body_can_point_a_sweep_outside_the_registry(
    guarded: LiveServer, store: Store, fleet_builder: FleetBuilder, tmp_path: Path
) -> None:
    register(store, {"member": fleet_builder.clean("member")})
    outsider = fleet_builder.behind("outsider")  # a git repo State Hub must never touch
    before = sorted((p.name, p.stat().st_mtime_ns) for p in (outsider / ".git").rglob("*"))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with guarded.client(headers=headers) as client:
        for body in (
            {"path": str(outsider)},
            {"repos": [str(outsider)]},
            {"name": "outsider"},
            {"triggered_by": f"x/../../{outsider}"},
            {"caller_run_id": f"$(git -C {outsider} fetch)"},
            {"mode": "fix; rm -rf /"},
        ):
            answer = client.post("/consistency/sweep/remote-all", json=body)
            if answer.status_code == 200:
                result = answer.json()
                assert result["repos_total"] == 1
                assert result["skipped_clean"] == ["member"]
            else:
                assert answer.status_code == 422, answer.text
    after = sorted((p.name, p.stat().st_mtime_ns) for p in (outsider / ".git").rglob("*"))
    assert after == before  # not fetched, not read into, not locked
    # The request bodies have no field that names a path or a command.
    with guarded.client(headers=headers) as client:
        schema = client.get("/openapi.json").json()["components"]["schemas"]
    sweep_fields = set(schema["SweepStart"]["properties"])
    assert sweep_fields == {"max_seconds", "mode", "triggered_by", "caller_run_id"}
