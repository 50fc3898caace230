"""Bearer-token auth: everything but /health is closed when the server has a token."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from statehub.api import create_app
from statehub.settings import Secret, Settings
from statehub.store import Store
from testing import ROOT
from testing.serve import LiveServer, free_port, serve_process, statehub_env
from tests.api.helpers import sqlite_only

TOKEN = "s3cret-Token-for-tests"
PROTECTED = [
    ("GET", "/progress/"),
    ("POST", "/progress/"),
    ("GET", "/repos"),
    ("GET", "/consistency/status"),
    ("POST", "/consistency/sweep/remote-all"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/metrics"),
]

pytestmark = sqlite_only


@pytest.fixture
def guarded(settings: Settings, store: Store) -> Iterator[LiveServer]:
    with_token = replace(settings, token=Secret(TOKEN))
    with LiveServer(create_app(with_token, store)) as server:
        yield server


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"]
)
def test_it_refuses_requests_without_the_right_token(
    guarded: LiveServer, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    with guarded.client() as client:
        answer = client.request(method, path, headers=headers, json={"event_type": "x"})

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json()["detail"]


def test_it_lets_the_right_token_in(guarded: LiveServer) -> None:
    with guarded.client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        assert client.get("/progress/").status_code == 200
        assert client.get("/openapi.json").json()["info"]["title"] == "State Hub"
        assert client.post("/progress/", json={"event_type": "x"}).status_code == 201


def test_health_stays_open(guarded: LiveServer) -> None:
    with guarded.client() as client:
        answer = client.get("/health")

    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_a_token_file_is_read_at_start_up(tmp_path: Path, settings: Settings, store: Store) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    app = create_app(replace(settings, token_file=token_file), store)

    with LiveServer(app) as server, server.client() as client:
        assert client.get("/repos").status_code == 401
        assert client.get("/repos", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_serve_refuses_a_public_address_without_a_token(settings: Settings) -> None:
    env = statehub_env(settings.home, settings.resolved_database_url)

    done = subprocess.run(
        [sys.executable, "-m", "statehub", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert "refusing to serve on 0.0.0.0 without a token" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_an_empty_token_file(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "token").write_text("\n")
    env = statehub_env(
        settings.home, settings.resolved_database_url, STATEHUB_TOKEN_FILE=str(tmp_path / "token")
    )

    done = subprocess.run(
        [sys.executable, "-m", "statehub", "serve", "--port", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 2
    assert "is empty" in done.stderr and "Traceback" not in done.stderr


def test_serve_never_logs_the_token(tmp_path: Path, settings: Settings) -> None:
    port = free_port()
    env = statehub_env(settings.home, settings.resolved_database_url, STATEHUB_TOKEN=TOKEN)
    url = f"http://127.0.0.1:{port}"

    with serve_process(env, tmp_path / "serve.log", port=port) as server:
        for token in (TOKEN, "wrong"):
            httpx.get(f"{url}/progress/", headers={"Authorization": f"Bearer {token}"})
        httpx.post(
            f"{url}/consistency/sweep/remote-all",
            headers={"Authorization": f"Bearer {TOKEN}"},
            json={"max_seconds": 5},
        )
        server.terminate()

    log = server.output()
    assert "POST /consistency/sweep/remote-all" in log  # the log is there…
    assert TOKEN not in log  # …and the token is not
