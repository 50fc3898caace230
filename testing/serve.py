"""State Hub served for real on loopback: the app in a uvicorn thread (``LiveServer``), or
``statehub serve`` in a process of its own (``serve_process``), as an operator, systemd or
a benchmark runs it. Ports are always free ones unless a test asks for the default."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from testing import ROOT
from testing.processes import answers_ok, stop_process
from testing.waiting import wait_for

# uvicorn shuts down gracefully on SIGTERM, then re-raises the signal, so the
# exit status says "terminated" (systemd counts SIGTERM as a clean stop).
CLEAN_STOP = (0, -signal.SIGTERM)
DEFAULT_URL = "http://127.0.0.1:8000"


class ServerDidNotStart(AssertionError):
    """``statehub serve`` exited or never answered ``/health``; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def statehub_env(home: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment for a ``statehub`` child: this home only, no ``STATEHUB_*`` of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEHUB_")}
    env["STATEHUB_HOME"] = str(home)
    if database_url:
        env["STATEHUB_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def statehub_argv(*args: str) -> list[str]:
    """``statehub ARGS`` run by this interpreter (the project's venv)."""
    return [sys.executable, "-m", "statehub", *args]


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
        wait_for(
            lambda: self._started_or_dead(), timeout=10, interval=0.01, what="the API to start"
        )
        if not self.server.started:
            raise ServerDidNotStart("the API server thread ended before it started serving")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def _started_or_dead(self) -> bool:
        return self.server.started or not self.thread.is_alive()

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True  # the lifespan then waits for running sweeps
        self.thread.join(timeout=60)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 60), **kwargs)


class ServeProcess:
    """A running ``statehub serve``: its process, base URL and log."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, as systemd stops it; its exit status (see ``CLEAN_STOP``)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM, then SIGKILL if it has not stopped within ``timeout`` seconds."""
        stop_process(self.process, timeout=timeout)

    def healthy(self) -> bool:
        return answers_ok(
            self.process,
            f"{self.url}/health",
            exited=lambda code: ServerDidNotStart(
                f"statehub serve exited with {code}:\n{self.output()[-4000:]}"
            ),
        )


@contextmanager
def serve_process(
    env: dict[str, str],
    log: Path,
    *,
    host: str | None = None,
    port: int | None = None,
    prefix: list[str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 30,
) -> Iterator[ServeProcess]:
    """``statehub serve`` (through ``prefix``, e.g. as another user) for the block, once
    ``/health`` answers; stopped (SIGTERM, then SIGKILL) when the block ends.

    Without ``host`` / ``port`` it gets no such flags: the defaults are then under test.
    """
    args = [*(["--host", host] if host else []), *(["--port", str(port)] if port else [])]
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [*(prefix or []), *statehub_argv("serve", *args)],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    served = ServeProcess(process, f"http://127.0.0.1:{port}" if port else DEFAULT_URL, log)
    try:
        try:
            wait_for(served.healthy, timeout=timeout, interval=0.1, what="statehub serve /health")
        except ServerDidNotStart:
            raise
        except AssertionError as exc:
            raise ServerDidNotStart(f"{exc}:\n{served.output()[-4000:]}") from None
        yield served
    finally:
        served.stop()
