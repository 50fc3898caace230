"""The dead man's switch against a real healthchecks-compatible check on loopback: /start and
success or /fail around each sweep that runs, with its sweep id as rid and a summary body;
nothing for a lock skip; a hanging or failing endpoint never delays or changes the sweep."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from statehub.notify.ping import PingObserver, PingOutcome, stored_in
from statehub.settings import Settings
from statehub.store import Store, deliveries
from statehub.store.events import list_events
from statehub.sweep.engine import Sweeper
from statehub.sweep.lock import SweepLock
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import LockHolder, SweepCannotStart
from testing.fleet import FleetBuilder, register
from testing.pings import PingCheck
from testing.serve import CLEAN_STOP, free_port, serve_process, statehub_env
from testing.waiting import wait_for
from tests.api.helpers import sqlite_only
from tests.cli.conftest import RunCli


@pytest.fixture
def check() -> Iterator[PingCheck]:
    with PingCheck().serving() as serving:
        yield serving


class Outcomes:
    """What the observer recorded, waited on as it arrives."""

    def __init__(self) -> None:
        self.seen: list[PingOutcome] = []
        self._arrived = threading.Condition()

    def __call__(self, outcome: PingOutcome) -> None:
        with self._arrived:
            self.seen.append(outcome)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 20) -> list[PingOutcome]:
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.seen) >= count, timeout), self.seen
            return list(self.seen)


def _pinging(
    settings: Settings, store: Store, url: str, *, timeout: float = 10
) -> tuple[Sweeper, PingObserver, Outcomes]:
    outcomes = Outcomes()
    observer = PingObserver(url, timeout=timeout, host=settings.hostname, record=outcomes)
    return Sweeper(settings, store, observers=[observer]), observer, outcomes


def test_an_ok_sweep_pings_start_then_success_with_its_id_and_a_summary(
    fleet_builder: FleetBuilder, settings: Settings, store: Store, check: PingCheck
) -> None:
    register(store, {"clean": fleet_builder.clean("clean"), "dirty": fleet_builder.dirty("dirty")})
    sweeper, observer, outcomes = _pinging(settings, store, check.url)

    result = sweeper.run(SweepRequest(max_seconds=60))

    assert observer.settle()
    rid = str(result.sweep_id)
    start, success = check.wait_for_pings(2)
    assert (start.signal, start.rid, start.method) == ("start", rid, "POST")
    assert rid in start.body and "triggered by manual" in start.body
    assert (success.signal, success.rid) == ("success", rid)
    assert success.body.splitlines()[0] == "health: ok"
    assert "2 total, 1 need action, 1 clean" in success.body
    assert [(o.ping.signal, o.error) for o in outcomes.wait_for(2)] == [
        ("start", None),
        ("success", None),
    ]
    assert outcomes.seen[0].channel == f"{check.url.split('/ping/')[0]}/…"  # no check key


def test_a_degraded_sweep_pings_fail_with_its_reasons(
    fleet_builder: FleetBuilder,
    settings: Settings,
    store: Store,
    check: PingCheck,
    tmp_path: Path,
) -> None:
    offline = fleet_builder.behind("offline")
    fleet_builder.git(offline, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    register(store, {"offline": offline, "clean": fleet_builder.clean("clean")})
    sweeper, observer, _ = _pinging(settings, store, check.url)

    result = sweeper.run(SweepRequest(max_seconds=60))

    assert result.health == "degraded"
    assert observer.settle()
    start, fail = check.wait_for_pings(2)
    assert (start.signal, fail.signal) == ("start", "fail")
    assert fail.rid == str(result.sweep_id)
    assert fail.body.splitlines()[0] == "health: degraded"
    assert "- 1 of 2 repos could not be fetched; 1 failed: offline" in fail.body.splitlines()


def test_a_lock_skip_pings_nothing(settings: Settings, store: Store, check: PingCheck) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    lock = SweepLock(settings.lock_path)
    holder = LockHolder(
        sweep_id=None, pid=0, started_at=datetime.now().astimezone(), triggered_by="t"
    )
    assert lock.acquire_or_holder(holder) is None
    sweeper, observer, outcomes = _pinging(settings, store, check.url)
    try:
        result = sweeper.run(SweepRequest())
    finally:
        lock.release()

    assert result.lock_skipped
    assert observer.settle()  # nothing was queued, so nothing is left to wait for
    assert check.requests == 0 and outcomes.seen == []


def test_a_sweep_that_cannot_start_pings_fail(
    settings: Settings, store: Store, check: PingCheck
) -> None:
    settings.lock_path.mkdir(parents=True)  # a real fault: the lock file is a directory
    sweeper, observer, _ = _pinging(settings, store, check.url)

    with pytest.raises(SweepCannotStart) as raised:
        sweeper.run(SweepRequest())

    assert observer.settle()
    (fail,) = check.wait_for_pings(1)
    assert (fail.signal, fail.rid) == ("fail", str(raised.value.result.sweep_id))
    assert fail.body.splitlines()[0] == "health: failed"
    assert "the sweep could not start" in fail.body


def test_a_hanging_endpoint_delays_neither_the_sweep_nor_its_record(
    fleet_builder: FleetBuilder, settings: Settings, store: Store
) -> None:
    register(store, {"clean": fleet_builder.clean("clean")})
    with PingCheck(answer="hang").serving() as check:
        # The pings' timeout outlasts the test: the endpoint never answers while it runs.
        sweeper, observer, outcomes = _pinging(settings, store, check.url, timeout=60)

        result = sweeper.run(SweepRequest(max_seconds=60))

        # Recorded and returned while the /start ping has not been answered.
        with store.reading() as db:
            assert [e.sweep_id for e in list_events(db)] == [str(result.sweep_id)]
        check.wait_for_requests(1)
        assert check.pings == [] and outcomes.seen == []
        assert result.exit_code == 0 and result.health == "ok"
        # What a process waits for them before it exits is bounded, sent or not.
        assert observer.settle(timeout=0.2) is False


def test_a_ping_that_hangs_gives_up_at_its_timeout_and_is_recorded_failed(
    settings: Settings, store: Store
) -> None:
    with PingCheck(answer="hang").serving() as check:
        _, observer, outcomes = _pinging(settings, store, check.url, timeout=1)
        observer.sweep_started(SweepRequest(), datetime.now().astimezone())

        (start,) = outcomes.wait_for(1)

        assert start.ping.signal == "start"
        assert start.error == "timed out after 1s (STATEHUB_PING_TIMEOUT)"
        assert observer.settle() and check.pings == []


def test_each_attempt_is_kept_in_the_outbox_log_and_a_failing_one_never_retried(
    fleet_builder: FleetBuilder, settings: Settings, store: Store
) -> None:
    register(store, {"clean": fleet_builder.clean("clean")})
    with PingCheck(answer="error").serving() as check:
        observer = PingObserver(
            check.url, timeout=10, host=settings.hostname, record=stored_in(store)
        )

        result = Sweeper(settings, store, observers=[observer]).run(SweepRequest(max_seconds=60))

        assert observer.settle()

        def logged() -> list[deliveries.Delivery] | None:
            with store.reading() as db:
                rows = deliveries.recent(db, kind="ping")
            return rows if len(rows) == 2 else None

        success, start = wait_for(logged, what="two ping rows")
        assert result.exit_code == 0 and len(check.wait_for_pings(2)) == 2
    for row, title in ((start, "ping start"), (success, "ping success")):
        assert (row.title, row.sweep_id) == (title, str(result.sweep_id))
        assert (row.status, row.attempts) == (deliveries.GAVE_UP, 1)
        assert row.last_error == "HTTP 500: internal error"
        assert row.next_attempt_at is None  # never due again: a late ping would lie
        assert check.url.split("/ping/")[1] not in row.channel
    with store.reading() as db:
        assert deliveries.due(db, now=datetime.now().astimezone()) == []


@pytest.mark.slow
@sqlite_only
def test_the_cli_waits_for_a_hanging_ping_at_most_its_timeout_and_keeps_its_exit_status(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    run_cli("repos", "add", str(fleet_builder.clean("clean")))
    with PingCheck(answer="hang").serving() as check:
        # The endpoint answers nothing until this test ends: that the command exits at all
        # is the bound; the log line says it gave up at the timeout.
        swept = run_cli(
            "sweep",
            "--remote-all",
            "--json",
            STATEHUB_PING_URL=check.url,
            STATEHUB_PING_TIMEOUT="1",
        )
        assert check.requests >= 1 and check.pings == []

    assert swept.returncode == 0, swept.stderr
    document = json.loads(swept.stdout)
    assert document["health"] == "ok"
    # Either both pings timed out within the wait, or the wait gave up on what was left.
    assert "timed out after 1s" in swept.stderr or "not sent within 1s" in swept.stderr
    progress = json.loads(run_cli("progress", "--json").stdout)
    assert [e["sweep_id"] for e in progress] == [document["sweep_id"]]


@pytest.mark.slow
@sqlite_only
def test_the_cli_pings_a_sweep_and_refuses_a_check_url_that_is_not_http(
    fleet_builder: FleetBuilder, run_cli: RunCli, check: PingCheck
) -> None:
    run_cli("repos", "add", str(fleet_builder.clean("clean")))

    swept = run_cli("sweep", "--remote-all", "--json", STATEHUB_PING_URL=check.url)
    refused = run_cli("sweep", "--remote-all", STATEHUB_PING_URL="ftp://hc.example/secret-key")

    assert swept.returncode == 0, swept.stderr
    rid = json.loads(swept.stdout)["sweep_id"]
    assert [(p.signal, p.rid) for p in check.wait_for_pings(2)] == [
        ("start", rid),
        ("success", rid),
    ]
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "STATEHUB_PING_URL: expected an http(s) check URL" in refused.stderr
    assert "secret-key" not in refused.stderr


_PROBE = """
import json, sys
from statehub.cli import app
try:
    app(["sweep", "--remote-all", "--no-fetch", "--json"], standalone_mode=False)
except SystemExit:
    pass
# hcping's URL rules validate the settings (standard library only); its sender is httpx's.
watched = ("httpx", "hcping.send", "statehub.notify.ping")
print(json.dumps(sorted(m for m in sys.modules if m in watched)))
"""


@sqlite_only
def test_a_sweep_with_no_ping_configured_never_loads_httpx(
    fleet_builder: FleetBuilder, run_cli: RunCli, cli_env: dict[str, str]
) -> None:
    run_cli("repos", "add", str(fleet_builder.clean("clean")))
    env = {k: v for k, v in cli_env.items() if not k.startswith("STATEHUB_PING")}

    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120
    )

    assert probe.returncode == 0, probe.stderr
    *document, loaded = probe.stdout.strip().splitlines()
    assert '"sweep_id"' in "".join(document)  # the sweep ran and printed its document
    assert json.loads(loaded) == []


@pytest.mark.slow
@pytest.mark.slow  # a real server's start and its 3 s wait at shutdown
@sqlite_only
def test_a_server_stopping_gives_its_last_pings_their_timeout_and_no_more(
    fleet_builder: FleetBuilder, store: Store, database_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "serve-home"
    register(store, {"clean": fleet_builder.clean("clean")})
    with PingCheck(answer="hang").serving() as check:
        env = statehub_env(
            home, database_url, STATEHUB_PING_URL=check.url, STATEHUB_PING_TIMEOUT="3"
        )
        log = tmp_path / "serve.log"
        with serve_process(env, log, host="127.0.0.1", port=free_port()) as server:
            answer = httpx.post(
                f"{server.url}/consistency/sweep/remote-all", json={"max_seconds": 60}, timeout=60
            )
            assert answer.status_code == 200, answer.text
            check.wait_for_requests(1)  # /start, unanswered; success queued behind it

            # SIGTERM, as systemd stops it: the queued pings get at most their timeout.
            assert server.terminate(timeout=60) in CLEAN_STOP
        assert check.pings == []
    assert "not sent within 3s; exiting without them" in log.read_text()
