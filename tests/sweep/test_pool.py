"""How many repos a sweep keeps in flight, how many run local git at once, and at what CPU
priority its threads and their git run (a fetch's session too, where sessions are groups)."""

from __future__ import annotations

import os
import shlex
import sys
import threading

import pytest

from statehub.store import Store
from statehub.sweep.engine import (
    LOCAL_GIT_PER_CPU,
    SWEEP_NICENESS,
    Sweeper,
    _lower_priority,
    pool_sizes,
)
from statehub.sweep.request import SweepRequest
from testing.fleet import FleetBuilder, register
from testing.processes import AWAIT_SESSION_NICENESS, autogroups


@pytest.fixture
def cpus(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    return 2


def test_it_keeps_every_worker_fetching_but_caps_local_git_by_cpus(cpus: int) -> None:
    assert pool_sizes(32, fetch=True) == (32, LOCAL_GIT_PER_CPU * cpus)


def test_a_local_sweep_runs_no_more_threads_than_local_git_slots(cpus: int) -> None:
    assert pool_sizes(32, fetch=False) == (LOCAL_GIT_PER_CPU * cpus, LOCAL_GIT_PER_CPU * cpus)


def test_a_small_pool_is_taken_as_given(cpus: int) -> None:
    assert pool_sizes(1, fetch=True) == (1, 1)
    assert pool_sizes(4, fetch=False) == (4, 4)


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread niceness is Linux's")
def test_sweep_threads_run_niced_and_leave_the_caller_alone() -> None:
    seen: list[int] = []

    def worker() -> None:
        _lower_priority()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()

    assert seen == [max(before, SWEEP_NICENESS)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before


@pytest.mark.skipif(not autogroups(), reason="the kernel does not group sessions (autogroup)")
def test_a_sweeps_fetch_runs_at_the_sweeps_niceness_in_its_own_session(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    """Where every session is a scheduling group, a fetch's session (git fetch, and the
    upload-pack it starts for a remote on this machine) gets the sweep's niceness."""
    repo = fleet_builder.clean("fetched")
    seen = fleet_builder.remotes / "autogroup.txt"
    script = fleet_builder.remotes / "report-autogroup.sh"
    script.write_text(
        "#!/bin/sh\n"
        + AWAIT_SESSION_NICENESS  # the runner writes just after the fetch starts
        + f"cat /proc/self/autogroup > {shlex.quote(str(seen))}\n"
        'exec git-upload-pack "$@"\n'
    )
    script.chmod(0o755)
    fleet_builder.git(repo, "config", "remote.origin.uploadpack", shlex.quote(str(script)))
    register(store, {"fetched": repo}, trusted={"fetched"})  # its upload-pack may run

    result = sweeper.run(SweepRequest(max_seconds=60, triggered_by="test"))

    assert result.repos_processed + result.skipped_clean == ["fetched"]
    niceness = max(os.getpriority(os.PRIO_PROCESS, 0), SWEEP_NICENESS)  # as _lower_priority
    assert seen.read_text().strip().endswith(f" nice {niceness}")
