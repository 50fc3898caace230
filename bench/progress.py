"""Item 5b: ``GET /progress/?event_type=…&limit=5`` with 1,000,000 events stored, on SQLite
and on PostgreSQL, against the same request to a store of 1,000 events, in the same run.

The SQLite stores are kept under the work dir between runs; each PostgreSQL store is a
database of its own, created for the run and dropped after it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bench import events
from bench.context import BenchContext
from bench.measure import Latency
from bench.report import Row, Section, times, verdict
from bench.server import serving, timed
from statehub.store import Store
from testing.serve import statehub_env

TARGET_P99_S = 0.020
QUERY = f"/progress/?event_type={events.SWEEP_EVENT}&limit=5"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
last_postgres_version: str | None = None


def admin_url() -> str:
    """The PostgreSQL to create bench databases in (the tests' server by default)."""
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get(
        "STATEHUB_TEST_POSTGRES_URL", DEFAULT_POSTGRES
    )
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_store(ctx: BenchContext, count: int) -> str:
    """A SQLite store holding ``count`` events, built once and kept."""
    directory = ctx.work / "progress" / f"sqlite-{count}"
    database, done = directory / "statehub.db", directory / "filled"
    if not done.exists():
        directory.mkdir(parents=True, exist_ok=True)
        database.unlink(missing_ok=True)
        Store.open(f"sqlite:///{database}").dispose()
        events.fill_sqlite(str(database), count)
        done.write_text(f"{count}\n")
    return f"sqlite:///{database}"


@contextmanager
def _postgres_store(count: int) -> Iterator[str]:
    """A fresh PostgreSQL database holding ``count`` events; dropped afterwards."""
    global last_postgres_version
    admin = admin_url()
    name = f"statehub_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        last_postgres_version = str(connection.execute("SHOW server_version").fetchone()[0])
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(admin).set(database=name)
    try:
        Store.open(
            url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        ).dispose()
        events.fill_postgres(url.render_as_string(hide_password=False), count)
        yield url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


BATCHES = 5


@contextmanager
def _server(ctx: BenchContext, database_url: str, label: str) -> Iterator[httpx.Client]:
    home = ctx.home(f"progress-{label}")
    home.mkdir(parents=True, exist_ok=True)
    log = ctx.work / "logs" / f"progress-{label}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with serving(statehub_env(home, database_url), log) as url, httpx.Client(base_url=url) as c:
        for _ in range(20):  # warm-up: connection pool, page cache, first-call imports
            timed(lambda: c.get(QUERY))
        yield c


def _measure(ctx: BenchContext, big: httpx.Client, small: httpx.Client) -> dict[str, Latency]:
    """Batches of requests to the big and the small store in turn; p50/p99 per batch."""
    found = {"big": Latency(), "small": Latency(), "health": Latency()}
    per_batch = max(1, ctx.sizes.requests // BATCHES)
    for _ in range(BATCHES):
        found["big"].batch([timed(lambda: big.get(QUERY)) for _ in range(per_batch)])
        found["health"].batch([timed(lambda: big.get("/health")) for _ in range(per_batch)])
        found["small"].batch([timed(lambda: small.get(QUERY)) for _ in range(per_batch)])
    return found


def run(ctx: BenchContext) -> Section:
    big, small = ctx.sizes.events, ctx.sizes.small_events
    section = Section("progress", f"GET /progress/ with {big:,} events stored")
    with (
        _server(ctx, _sqlite_store(ctx, big), f"sqlite-{big}") as big_client,
        _server(ctx, _sqlite_store(ctx, small), f"sqlite-{small}") as small_client,
    ):
        section.rows += _rows("SQLite", _measure(ctx, big_client, small_client), big, small)
    try:
        with (
            _postgres_store(big) as big_url,
            _postgres_store(small) as small_url,
            _server(ctx, big_url, f"postgres-{big}") as big_client,
            _server(ctx, small_url, f"postgres-{small}") as small_client,
        ):
            found = _measure(ctx, big_client, small_client)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0]
        section.rows.append(Row("PostgreSQL", f"not measured: unreachable ({reason})"))
    else:
        section.rows += _rows("PostgreSQL", found, big, small)
    section.notes.append(
        f"{ctx.sizes.requests} requests per store after 20 unmeasured, in {BATCHES} batches "
        "taken in turn from the big store, /health on the same server, and the small store; "
        "p50 and p99 are the medians of the batches' own. "
        f"Stores: {big:,} events, 5 % of them sweep events carrying a 40-repo result document "
        f"(~3 KB), the rest small events of four other types; the baseline store holds "
        f"{small:,} events of the same mix. Loaded with executemany (SQLite) and COPY "
        "(PostgreSQL), then ANALYZE."
    )
    section.commands = [
        f"STATEHUB_DATABASE_URL=<store> statehub serve; curl '<url>{QUERY}'",
        f"PostgreSQL: CREATE DATABASE statehub_bench_<random> on {_safe(admin_url())}; "
        "dropped after the run",
    ]
    return section


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _rows(backend: str, found: dict[str, Latency], nb: int, ns: int) -> list[Row]:
    big, small = found["big"], found["small"]
    return [
        Row(
            f"{backend}: GET {QUERY}, {nb:,} events",
            big.text(),
            f"{ns:,} events: {small.text()}",
            f"p99 {times(big.p99 / small.p99)}",
            f"p99 < {TARGET_P99_S * 1000:.0f} ms",
            verdict(big.p99 < TARGET_P99_S),
        ),
        Row(f"{backend}: GET /health on the same server ({nb:,} events)", found["health"].text()),
    ]
