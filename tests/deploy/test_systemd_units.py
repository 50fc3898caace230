"""The units in deploy/systemd/: systemd accepts them, the timer's slots are the cron's slots,
and the commands they run work."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from activitycore.cadence import trigger_slots
from statehub.api.schemas import SweepStart
from statehub.cadence.slots import expected_slots
from tests.deploy.units import UNITS, exec_start, fake_home, parse, unit_files, value

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed (Debian package: systemd)"
)
EXPECTED_UNITS = {
    "activity-core-worker.service",
    "custodian-sync.service",
    "custodian-sync.timer",
    "state-hub-bridge.service",
    "statehub.service",
}
RUNBOOK = UNITS.parents[1] / "docs" / "runbooks" / "state-hub-consistency-sweep.md"


def test_the_units_are_the_ones_the_runbook_installs() -> None:
    assert {p.name for p in unit_files()} == EXPECTED_UNITS
    text = RUNBOOK.read_text()
    for name in EXPECTED_UNITS:
        assert name in text, f"the runbook never mentions {name}"


@needs_systemd_analyze
def test_systemd_analyze_verify_accepts_every_unit(tmp_path: Path) -> None:
    # User units, verified by a user-mode systemd-analyze: %h is $HOME, so a fake home with
    # the executables where the units expect them lets verify check the ExecStart paths too.
    # It needs a runtime directory but no running user manager (this container has none).
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {
        **os.environ,
        "HOME": str(fake_home(tmp_path / "home")),
        "XDG_RUNTIME_DIR": str(runtime),
        "SYSTEMD_LOG_LEVEL": "notice",
    }
    done = subprocess.run(
        [SYSTEMD_ANALYZE, "--user", "verify", *map(str, unit_files())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Unknown keys and similar mistakes are only warnings (exit 0): any output is a failure.
    assert done.returncode == 0 and done.stderr == "" and done.stdout == "", done.stderr


def _calendar(expression: str, base: datetime, iterations: int) -> list[datetime]:
    assert SYSTEMD_ANALYZE is not None
    done = subprocess.run(
        [
            SYSTEMD_ANALYZE,
            "calendar",
            f"--iterations={iterations}",
            f"--base-time={base:%Y-%m-%d %H:%M:%S} UTC",
            expression,
        ],
        # A local zone far from UTC: the expression's own "UTC" must be what counts.
        env={**os.environ, "TZ": "Asia/Kolkata"},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    found = re.findall(r"\(in UTC\): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", done.stdout)
    return [datetime.fromisoformat(f).replace(tzinfo=UTC) for f in found]


@needs_systemd_analyze
@pytest.mark.parametrize(
    "base",
    [
        datetime(2026, 3, 28, 22, 59, 59, tzinfo=UTC),  # Europe's DST change: no effect in UTC
        datetime(2026, 12, 31, 23, 7, 0, tzinfo=UTC),  # year end, from inside a slot
    ],
)
def test_the_timer_fires_on_exactly_the_crons_slots(base: datetime) -> None:
    on_calendar = value(UNITS / "custodian-sync.timer", "Timer", "OnCalendar")
    iterations = 4 * 24 * 2 + 1  # two days and one

    fires = _calendar(on_calendar, base, iterations)

    end = fires[-1] + timedelta(seconds=1)
    assert len(fires) == iterations
    assert fires == trigger_slots("*/15 * * * *", "UTC", base, end)
    assert fires == [start for start, _ in expected_slots(base, end, timedelta(minutes=15))]


def test_the_timer_fires_on_the_slot_and_makes_none_up() -> None:
    timer = parse(UNITS / "custodian-sync.timer")["Timer"]
    assert timer["OnCalendar"] == ["*-*-* *:00/15:00 UTC"]
    assert timer["AccuracySec"] == ["1s"] and timer["RandomizedDelaySec"] == ["0"]
    assert timer["Persistent"] == ["false"]
    assert timer["Unit"] == ["custodian-sync.service"]


def test_the_timer_and_the_server_share_one_home_and_lock() -> None:
    sync = parse(UNITS / "custodian-sync.service")["Service"]
    server = parse(UNITS / "statehub.service")["Service"]
    assert sync["Environment"] == server["Environment"]
    assert sync["EnvironmentFile"] == server["EnvironmentFile"]


def test_stopping_the_server_outwaits_the_longest_sweep() -> None:
    longest = next(
        m.le for m in SweepStart.model_fields["max_seconds"].metadata if hasattr(m, "le")
    )
    stop = value(UNITS / "statehub.service", "Service", "TimeoutStopSec")
    # The sweep returns within its budget + 2 s, then writes one event.
    assert int(stop) >= longest + 2 + 30


def test_the_timers_command_sweeps_as_the_local_timer(tmp_path: Path) -> None:
    home = fake_home(tmp_path / "home")
    argv = exec_start(UNITS / "custodian-sync.service", home)
    assert argv[1:] == [
        "sweep", "--remote-all", "--triggered-by", "local-timer", "--max-seconds", "300"
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEHUB_")}
    state = tmp_path / "state"
    # As systemd runs it: the unit's Environment=, nothing on stdin.
    [assignment] = parse(UNITS / "custodian-sync.service")["Service"]["Environment"]
    name, _, unit_value = assignment.partition("=")
    assert name == "STATEHUB_HOME" and unit_value == "%h/.local/state/statehub"
    done = subprocess.run(
        [*argv, "--json"],
        env={**env, "HOME": str(home), name: str(state)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"triggered_by": "local-timer"' in done.stdout


def test_the_bridge_forwards_the_servers_port() -> None:
    argv = exec_start(
        UNITS / "state-hub-bridge.service",
        Path("/home/op"),
        {"BRIDGE_HOST": "op@cluster", "BRIDGE_REMOTE_PORT": "18000"},
    )
    served = exec_start(UNITS / "statehub.service", Path("/home/op"))
    port = served[served.index("--port") + 1]
    assert argv[-3:] == ["-R", f"127.0.0.1:18000:127.0.0.1:{port}", "op@cluster"]
    assert {"BatchMode=yes", "ExitOnForwardFailure=yes"} <= set(argv)
