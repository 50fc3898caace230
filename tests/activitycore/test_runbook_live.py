"""The runbook, run: every ```bash and ```sql block of
docs/runbooks/state-hub-consistency-sweep.md, in order, against a live stack — State Hub
(``statehub serve``, as statehub.service runs it), activity-core's worker (started by the
runbook's own ``systemctl --user enable --now activity-core-worker.service``), and a real
Temporal dev server — with SQL through the sqlite3 shell or psql.

What is not real, and why:

* ``systemctl --user``: this container (and CI) has no user manager, and where one runs (a
  developer's desktop) the steps would install and enable timers in that person's own
  session, so they are never run for real here. Every systemd step goes through
  tests/activitycore/systemctl_shim.py instead, which checks them statically
  (each unit named was installed by the runbook's ``cp`` and is deploy/systemd's file byte for
  byte) and runs what systemd would run (a service's ExecStart with its Environment=,
  EnvironmentFile= and WorkingDirectory=). Timers are marked, not fired.
  tests/deploy/test_systemd_units.py runs ``systemd-analyze verify`` on the same files.
* The settings files of "Where things live" are written by the test, as the runbook's
  ```ini blocks show them, with the machine's own values: State Hub on a free port, not 8000
  (which may be taken), and ``TEMPORAL_ADDRESS`` naming the session's Temporal dev server (the
  cluster's Temporal, which the runbook's Install checks with ``temporal operator cluster
  health``). Beyond that the blocks get no variable from the test: ``STATE_HUB_URL`` and
  ``STATE_HUB_TOKEN`` come from the env files the blocks load.
* The parallel week: a week cannot be waited for, so before the Verdict the test writes a
  week of history of the exact recorded shape (timer sweeps, activity-core lock skips and
  scheduled ActivityRuns) behind the real events of this run.
* The bridge is tests/activitycore/test_bridge.py's subject; here the URL is direct.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from activitycore.cadence import trigger_slots
from activitycore.devserver import DevServer, free_port
from activitycore.store import Store as ActivityStore
from activitycore.store import runs
from statehub.store import Store
from statehub.store.events import list_events
from testing.fleet import FleetBuilder, register
from testing.history import parallel_week
from testing.serve import serve_process, statehub_env
from testing.waiting import wait_for
from tests.activitycore.runbook import RUNBOOK, Block, blocks, env_file, lay_out_home
from tests.activitycore.support import SWEEP_ID
from tests.deploy.units import UNITS, exec_start

TOKEN = "runbook-token"
# Short, so the hanging repo makes every sweep last this long: long enough for the parallel
# week's overlap drill to overlap, short enough for the test.
FETCH_TIMEOUT = "6"


def _sql(block: Block, database_url: str) -> str:
    if database_url.startswith("sqlite"):
        command = ["sqlite3", "-header", make_url(database_url).database or ""]
    else:
        command = ["psql", "-X", "-v", "ON_ERROR_STOP=1", _libpq(database_url)]
    done = subprocess.run(command, input=block.code, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, f"{block.code}\n{done.stderr}"
    return done.stdout


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _shim_state(home: Path) -> dict:
    return json.loads((home / ".systemctl-shim" / "state.json").read_text())


def _seed_runs(activity_db: str, start: datetime, end: datetime) -> None:
    """A succeeded scheduled ActivityRun for every slot in [start, end), with its snapshot."""
    store = ActivityStore.open(activity_db)
    try:
        with store.session() as db:
            for slot in trigger_slots("*/15 * * * *", "UTC", start, end):
                run_id = str(uuid.uuid4())
                fired = slot + timedelta(seconds=1)
                new = runs.NewRun(
                    run_id, SWEEP_ID, f"seed-{run_id}", fired, slot, "schedule", "seed"
                )
                runs.start_run(db, run=new)
                snapshot = {
                    "consistency_sweep_remote_all": {"caller_run_id": run_id, "exit_code": 0}
                }
                runs.finish_run(
                    db,
                    run_id=run_id,
                    status="succeeded",
                    finished_at=fired,
                    context_snapshot=snapshot,
                )
    finally:
        store.dispose()


def _seed_week(hub: Store, activity_db: str, now: datetime) -> None:
    """The parallel week up to now, as it would have been recorded."""
    parallel_week(hub, now=now)
    _seed_runs(activity_db, now - timedelta(days=7), now)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_runbook_runs_from_start_to_end(
    tmp_path: Path,
    database_url: str,
    temporal_server: DevServer,
    task_queue: str,
    fleet_builder: FleetBuilder,
) -> None:
    home = tmp_path / "home"
    shim_dir = lay_out_home(home)
    statehub_home = home / ".local" / "state" / "statehub"  # the units' STATEHUB_HOME
    activity_home = home / ".local" / "state" / "activity-core"
    sqlite = database_url.startswith("sqlite")
    # One database per service (two on PostgreSQL: State Hub's tables in the test database,
    # activity-core's too — they share it without clashing, as its docs promise).
    hub_db = f"sqlite:///{statehub_home / 'statehub.db'}" if sqlite else database_url
    activity_db = f"sqlite:///{activity_home / 'activity-core.db'}" if sqlite else database_url
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    # The hosts' settings files, as the runbook's "Where things live" describes them.
    env_file(
        home / ".config" / "statehub" / "env",
        {
            "STATEHUB_TOKEN": TOKEN,
            "STATEHUB_FETCH_TIMEOUT": FETCH_TIMEOUT,
            **({} if sqlite else {"STATEHUB_DATABASE_URL": hub_db}),
            "STATE_HUB_URL": url,
            "STATE_HUB_TOKEN": TOKEN,
        },
    )
    env_file(
        home / ".config" / "statehub" / "bridge.env",
        {"BRIDGE_HOST": "x", "BRIDGE_REMOTE_PORT": "1"},
    )
    env_file(
        home / ".config" / "activity-core" / "env",
        {
            "ACTIVITY_CORE_HOME": str(activity_home),
            **({} if sqlite else {"ACTIVITY_CORE_DATABASE_URL": activity_db}),
            "TEMPORAL_ADDRESS": temporal_server.address,
            "ACTIVITY_CORE_TASK_QUEUE": task_queue,
            "STATE_HUB_URL": url,
            "STATE_HUB_TOKEN": TOKEN,
        },
    )

    # The fleet: a clean repo, and one whose remote hangs (every sweep lasts FETCH_TIMEOUT).
    statehub_home.mkdir(parents=True)
    hub = Store.open(hub_db)
    register(
        hub,
        {"clean": fleet_builder.clean("clean"), "slow": fleet_builder.hanging_remote("slow")},
        trusted={"slow"},
    )

    # The shell every block runs in: the operator's, with nothing of ours leaking in and
    # nothing added but the machine itself (its home, and systemctl's stand-in on PATH).
    # Whatever a block uses, the runbook must have set in a step before it.
    ours = ("STATEHUB_", "STATE_HUB_", "ACTIVITY_CORE_", "ACTIVITY_DEFINITION", "TEMPORAL_", "XDG_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    shell_env = {**base, "HOME": str(home), "PATH": f"{shim_dir}:{base['PATH']}"}
    # statehub.service's command, on a free port, with the unit's environment.
    argv = exec_start(UNITS / "statehub.service", home)
    assert argv[-4:] == ["--host", "127.0.0.1", "--port", "8000"]
    server_env = statehub_env(
        statehub_home, hub_db, STATEHUB_TOKEN=TOKEN, STATEHUB_FETCH_TIMEOUT=FETCH_TIMEOUT
    )
    outputs: dict[str, list[str]] = {}
    ran: list[Block] = []
    try:
        with serve_process(server_env, tmp_path / "serve.log", host="127.0.0.1", port=port):
            for block in blocks(RUNBOOK.read_text()):
                if block.section == "Verdict" and "Verdict" not in outputs:
                    _seed_week(hub, activity_db, datetime.now(UTC))
                if block.language == "sql":
                    out = _sql(block, activity_db)
                else:
                    done = subprocess.run(
                        ["bash", "-euo", "pipefail", "-c", block.code],
                        env=shell_env,
                        cwd=home,
                        capture_output=True,
                        text=True,
                        timeout=240,
                        stdin=subprocess.DEVNULL,
                    )
                    assert done.returncode == 0, (
                        f"[{block.section}] exit {done.returncode}\n{block.code}\n"
                        f"stdout: {done.stdout[-3000:]}\nstderr: {done.stderr[-3000:]}"
                    )
                    out = done.stdout + done.stderr
                outputs.setdefault(block.section, []).append(out)
                ran.append(block)
                if block.section == "Parallel Week" and "custodian-sync.service" in block.code:
                    _wait_for_timer_sweep(home)
            _check(outputs, home, hub)
    finally:
        _stop_started_services(home)
        hub.dispose()

    assert [b.language for b in ran].count("sql") == 1
    assert {b.section for b in ran} >= {
        "Start here: statehub doctor", "Install", "API Surface", "Schedule Check",
        "Manual Canary", "Progress Event Check", "ActivityRun Check", "Parallel Week",
        "Verdict", "Cutover", "Rollback",
    }  # fmt: skip


def _wait_for_timer_sweep(home: Path) -> None:
    pid = _shim_state(home)["pids"]["custodian-sync.service"]

    def exited() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # Reap it if it is our grandchild's zombie: only its parent can; poll until gone.
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"

    wait_for(exited, timeout=60, what="the timer's sweep to finish")


def _stop_started_services(home: Path) -> None:
    state_file = home / ".systemctl-shim" / "state.json"
    if not state_file.exists():
        return
    for pid in _shim_state(home)["pids"].values():
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)


def _check(outputs: dict[str, list[str]], home: Path, hub: Store) -> None:
    """What each step should have shown, and what the whole run left behind."""

    # The shell has no COLUMNS: rich wraps human output at 80 columns, so match words.
    def words(text: str) -> str:
        return " ".join(text.split())

    before, installed = (words(o) for o in (outputs["Start here: statehub doctor"][0],
                                            outputs["Install"][0]))  # fmt: skip
    assert "all is well" in before and "units -" in before, before
    assert "all is well" in installed and "units: installed and enabled" in installed, installed
    manual = json.loads(outputs["API Surface"][0])
    assert manual["triggered_by"] == "manual" and manual["lock_skipped"] is False
    assert json.loads(outputs["API Surface"][1])["overdue"] is False
    schedule = outputs["Schedule Check"][0]
    assert "State Hub Consistency Sweep" in schedule and "paused" in schedule
    assert "status succeeded" in outputs["Manual Canary"][0]
    [canary_run] = re.findall(r"started run (\S+)", outputs["Manual Canary"][0])
    assert canary_run in outputs["Progress Event Check"][0]
    # repos show, then GET /repos/{name} (the same document as --json), then its history
    assert "last fetch:" in outputs["Progress Event Check"][1]
    assert '"last_fetch": {' in outputs["Progress Event Check"][1]
    assert canary_run in outputs["ActivityRun Check"][0]
    assert "[active]" in outputs["Parallel Week"][0]
    verdict, mirror = (words(o) for o in outputs["Verdict"])  # CLI and API; the mirror check
    assert "custodian-sync.timer can be disabled" in verdict
    assert '"can_disable_timer": true' in verdict
    assert "every slot fired and succeeded" in mirror
    assert "[paused]" in outputs["Rollback"][1]

    with hub.session() as db:
        real = [e for e in list_events(db, event_type="consistency_sweep_remote_all", limit=2000)
                if e.payload.get("host") != "test-workstation"]  # fmt: skip
    by = sorted((e.triggered_by or "", bool(e.payload["lock_skipped"])) for e in real)
    # The API call, the canary, and the overlap drill: the timer and activity-core at once,
    # one of them lock-skipped. (A real */15 slot during the run may add activity-core's.)
    assert ("manual", False) in by
    assert any(source == "local-timer" for source, _ in by), by
    assert sum(skipped for _, skipped in by) >= 1, by

    calls = [" ".join(c) for c in _shim_state(home)["calls"]]
    disabled = calls.index("--user disable --now custodian-sync.timer")
    assert "--user enable --now custodian-sync.timer" in calls[disabled:]
    state = _shim_state(home)
    assert "custodian-sync.timer" in state["enabled"] and "custodian-sync.timer" in state["active"]


def test_the_activityrun_check_runs_in_psql(postgres_url: str) -> None:
    """The runbook's SQL block, as written, through psql on a PostgreSQL activity-core."""
    now = datetime.now(UTC)
    store = ActivityStore.open(postgres_url)  # migrates
    try:
        from activitycore.definitions import load_definitions
        from activitycore.store import catalog
        from tests.activitycore.support import REPO

        loaded = load_definitions([REPO / "activities"], {"STATE_HUB_URL": "http://hub:8000"})
        with store.session() as db:
            catalog.sync_definitions(db, loaded=loaded)
    finally:
        store.dispose()
    _seed_runs(postgres_url, now - timedelta(hours=2), now)
    [block] = [b for b in blocks(RUNBOOK.read_text()) if b.language == "sql"]

    out = _sql(block, postgres_url)

    assert "sweep_result" in out.splitlines()[0] and "(5 rows)" in out
    rows = [line.split("|") for line in out.splitlines()[2:7]]
    # Each row's sweep_result is its own run's document (the ->'key' reached inside JSONB).
    assert all(json.loads(row[3])["caller_run_id"] == row[0].strip() for row in rows)
