"""The budget is a hard wall-clock limit, and budget-limited sweeps still cover the fleet."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from statehub.settings import Settings
from statehub.store import Store
from statehub.store.repos import add_repo
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from testing.fleet import FleetBuilder
from testing.processes import read_pids, survivors


def _still_running(script: Path, within: float = 2.0) -> list[str]:
    """``pgrep -a -f``'s lines for processes whose command line holds ``script``'s path,
    after waiting up to ``within`` seconds for a kill already sent to land."""
    end = time.monotonic() + within
    while True:
        found = subprocess.run(
            ["pgrep", "-a", "-f", re.escape(str(script))],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.splitlines()
        if not found or time.monotonic() > end:
            return found
        time.sleep(0.05)


def test_it_returns_within_budget_when_a_remote_hangs_forever(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    hanging = fleet_builder.hanging_remote("hangs")
    clean = fleet_builder.clean("clean")
    with store.session() as db:
        # The hang is a repo-local upload-pack: it runs only for a repo the user trusts.
        add_repo(db, name="hangs", path=str(hanging), trust_repo_config=True)
        add_repo(db, name="clean", path=str(clean))

    started = time.monotonic()
    result = sweeper.run(SweepRequest(max_seconds=3))
    elapsed = time.monotonic() - started

    assert elapsed < 3 + 2
    assert result.skipped_budget == ["hangs"]
    assert result.skipped_clean == ["clean"]
    # The hung upload-pack was killed with its process group, not left behind: the stand-in
    # runs as `sh <its script> <remote>`, so its script's path finds it, and the `sleep` it
    # started wrote its pid down.
    script = fleet_builder.hang_script("hangs")
    assert _still_running(script) == []
    [stand_in, child] = read_pids(fleet_builder.hang_pids_file("hangs"), expect=2)
    assert survivors([stand_in, child]) == []


def test_it_does_not_hang_on_a_remote_that_asks_for_a_password(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, password_server_url: str
) -> None:
    repo = fleet_builder.password_remote("needs-password", password_server_url)
    with store.session() as db:
        add_repo(db, name="needs-password", path=str(repo))

    started = time.monotonic()
    result = sweeper.run(SweepRequest(max_seconds=30))

    assert time.monotonic() - started < 15
    [report] = result.repos_processed
    assert "fetch_failed" in report.findings
    assert report.message


@pytest.mark.slow
def test_budget_limited_sweeps_eventually_check_every_repo(
    fleet_builder: FleetBuilder, store: Store, settings: Settings
) -> None:
    names = [f"slow-{i}" for i in range(6)]
    with store.session() as db:
        for name in names:
            path = fleet_builder.clean(name)
            fleet_builder.slow_remote(path, 0.8)
            add_repo(db, name=name, path=str(path), trust_repo_config=True)
    one_at_a_time = Sweeper(replace(settings, workers=1), store)

    checked: set[str] = set()
    sweeps = 0
    while checked != set(names) and sweeps < 8:
        result = one_at_a_time.run(SweepRequest(max_seconds=2))
        assert result.skipped_budget, "the budget should be too small for the whole fleet"
        checked |= set(result.skipped_clean)
        sweeps += 1

    assert checked == set(names)
    assert sweeps >= 3  # no single sweep could do it; stalest-first rotation did
