"""Item 5a: the API while it sweeps. p50/p99 of ``GET /health`` and of a lock-skipped
``POST /consistency/sweep/remote-all`` during a 1,000-repo sweep the server itself runs,
against the same requests to the same server when it is idle (lock held by an idle holder)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.context import BenchContext
from bench.home import prepare_home
from bench.measure import Latency
from bench.report import Row, Section, times, verdict
from bench.server import serving, timed
from statehub.sweep.lock import SweepLock
from statehub.sweep.result import LockHolder
from testing.serve import statehub_env

TARGET_P99_S = 0.050
# A closed loop with a little think time: about 40 requests a second of each kind, far more
# than a tunnel's health check and a dashboard ask for, without starving the sweep itself.
PAUSE_S = 0.01
SWEEP = "/consistency/sweep/remote-all"


@contextmanager
def held_lock(lock_path: Path) -> Iterator[None]:
    """Hold the sweep lock from this process, idle: every POST is a lock skip."""
    lock = SweepLock(lock_path)
    holder = LockHolder(
        sweep_id="bench-idle-holder",
        pid=os.getpid(),
        started_at=datetime.now(UTC),
        triggered_by="bench",
    )
    if not lock.try_acquire(holder):
        raise RuntimeError(f"{lock_path} is held by someone else")
    try:
        yield
    finally:
        lock.release()


def run(ctx: BenchContext) -> Section:
    n = ctx.sizes.local_repos
    section = Section("api", f"The API while it sweeps {n:,} repos")
    entries = ctx.local_fleet().ensure(n)
    home = ctx.home(f"api-{n}")
    prepare_home(home, entries).dispose()
    log = ctx.work / "logs" / "api-serve.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    idle = {"health": Latency(), "post": Latency()}
    busy = {"health": Latency(), "post": Latency()}
    sweep_seconds: list[float] = []
    with serving(statehub_env(home), log) as url, httpx.Client(base_url=url, timeout=120) as client:

        def health() -> float:
            return timed(lambda: client.get("/health"))

        def skipped_post() -> httpx.Response:
            return client.post(f"{SWEEP}?wait=false", json={"triggered_by": "bench"})

        # Each repetition: an idle batch, then one sweep probed until it finishes.
        per_batch = max(1, ctx.sizes.requests // ctx.sizes.api_sweeps)
        for _ in range(ctx.sizes.api_sweeps):
            idle_health, idle_post = [], []
            with held_lock(home / "sweep.lock"):
                for _ in range(per_batch):
                    idle_health.append(health())
                    started = time.perf_counter()
                    _expect_skip(skipped_post())
                    idle_post.append(time.perf_counter() - started)
                    time.sleep(PAUSE_S)
            idle["health"].batch(idle_health)
            idle["post"].batch(idle_post)
            busy_health, busy_post = [], []
            sweep_seconds.append(probe_one_sweep(client, busy_health, busy_post))
            busy["health"].batch(busy_health)
            busy["post"].batch(busy_post)

    section.rows = [
        _row("GET /health", busy["health"], idle["health"], n),
        _row(f"POST {SWEEP}, lock skipped", busy["post"], idle["post"], n),
    ]
    section.notes.append(
        f"{ctx.sizes.api_sweeps} sweep(s) of {n:,} repos with fetch, started through the API "
        f"(202, run on the server's own threads), each taking "
        + ", ".join(f"{s:.1f} s" for s in sweep_seconds)
        + f"; {busy['health'].count} requests of each kind during them, one after the other "
        f"with {PAUSE_S * 1000:.0f} ms between. Before each sweep, the idle baseline: "
        f"{per_batch} of each to the same server, its lock held by an idle holder so that "
        "every POST is a skip. p50 and p99 are the medians over the repetitions of each one's "
        "own. "
        "A lock-skipped POST records an event too, so it waits for SQLite's write lock, which "
        "the sweep holds while it records its result."
    )
    section.samples = {"sweep wall time, s": sweep_seconds}
    section.commands = [
        f"STATEHUB_HOME={home} statehub serve --port <free port>",
        f"curl -X POST '<url>{SWEEP}?wait=false' -d '{{\"triggered_by\": \"bench\"}}'",
        "then, until it finishes: GET /health; POST …?wait=false (a lock skip); GET its status",
    ]
    return section


def _expect_skip(response: httpx.Response) -> None:
    if response.status_code != 200 or not response.json().get("lock_skipped"):
        raise RuntimeError(
            f"expected a lock skip, got {response.status_code} {response.text[:200]}"
        )


def probe_one_sweep(client: httpx.Client, health: list[float], posts: list[float]) -> float:
    """Start a sweep through the API; until it finishes, time GET /health and a lock-skipped
    POST in turn. Returns the sweep's wall time."""
    started_at = time.perf_counter()
    response = client.post(f"{SWEEP}?wait=false", json={"triggered_by": "bench"})
    if response.status_code != 202:
        raise RuntimeError(f"expected the sweep to start (202), got {response.status_code}")
    status_url = response.headers["location"]
    while True:
        health.append(timed(lambda: client.get("/health")))
        started = time.perf_counter()
        post = client.post(f"{SWEEP}?wait=false", json={"triggered_by": "bench"})
        elapsed = time.perf_counter() - started
        if post.status_code == 202:
            # Our sweep ended between the status poll and this POST, which started another.
            _wait_finished(client, post.headers["location"])
            break
        _expect_skip(post)
        posts.append(elapsed)
        if client.get(status_url).json()["status"] != "running":
            break
        time.sleep(PAUSE_S)
    return time.perf_counter() - started_at


def _wait_finished(client: httpx.Client, status_url: str) -> None:
    while client.get(status_url).json()["status"] == "running":
        time.sleep(0.2)


def _row(what: str, busy: Latency, idle: Latency, n: int) -> Row:
    return Row(
        f"{what}, during a {n:,}-repo sweep",
        busy.text(),
        f"idle: {idle.text()}",
        f"p99 {times(busy.p99 / idle.p99)}",
        f"p99 < {TARGET_P99_S * 1000:.0f} ms",
        verdict(busy.p99 < TARGET_P99_S),
    )
