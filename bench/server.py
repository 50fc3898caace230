"""``statehub serve`` for a benchmark (``testing.serve`` runs it), and a latency probe."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from testing import ROOT
from testing.serve import free_port, serve_process


@contextmanager
def serving(env: dict[str, str], log: Path, cwd: Path = ROOT) -> Iterator[str]:
    """``statehub serve`` on a free port, from the State Hub in ``cwd``; yields its base URL."""
    port = free_port()
    with serve_process(env, log, host="127.0.0.1", port=port, cwd=cwd, timeout=60) as served:
        yield served.url


def timed(call: Callable[[], httpx.Response], expect: int = 200) -> float:
    """Seconds one request took, from send to the last byte of the body."""
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    if response.status_code != expect:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    return elapsed
