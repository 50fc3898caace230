"""Real servers on loopback for the API tests: the app in a uvicorn thread, or
``statehub serve`` in a subprocess, as an operator or systemd would run it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from statehub.store import Store
from statehub.store.repos import add_repo

ROOT = Path(__file__).resolve().parents[2]

# The tests that need one database only (slow, or about the process, not the store).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def register(store: Store, repos: dict[str, Path], *, trusted: Collection[str] = ()) -> None:
    """Register ``repos``; those named in ``trusted`` with ``trust_repo_config`` (a stand-in
    remote such as FleetBuilder.hanging_remote is a repo-local upload-pack, which a sweep
    runs only for a repo whose own config the user trusts)."""
    with store.session() as db:
        for name, path in repos.items():
            add_repo(db, name=name, path=str(path), trust_repo_config=name in trusted)


class LiveServer:
    """``app`` served by uvicorn on a thread, on a free loopback port."""

    def __init__(self, app: FastAPI) -> None:
        # ws="none": no websocket stack to import (and no deprecation warnings from it).
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-api", daemon=True)
        self.url = ""

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True  # the lifespan then waits for running sweeps
        self.thread.join(timeout=60)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 60), **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(home: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEHUB_")}
    env.update(STATEHUB_HOME=str(home), STATEHUB_DATABASE_URL=database_url, **extra)
    return env


# uvicorn shuts down gracefully on SIGTERM, then re-raises the signal, so the
# exit status says "terminated" (systemd counts SIGTERM as a clean stop).
CLEAN_STOP = (0, -signal.SIGTERM)


class ServeProcess:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def terminate(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


@contextmanager
def serve_process(
    env: dict[str, str], log: Path, *args: str, url: str | None = None
) -> Iterator[ServeProcess]:
    """``python -m statehub serve *args``, up once ``/health`` answers."""
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "statehub", "serve", *args],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    served = ServeProcess(process, url or "http://127.0.0.1:8000", log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"statehub serve exited with {process.returncode}:\n{served.output()}")
            try:
                if httpx.get(f"{served.url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"statehub serve did not answer /health:\n{served.output()}")
            time.sleep(0.1)
        yield served
    finally:
        if process.poll() is None:
            try:
                served.terminate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
