"""How many repos a sweep keeps in flight, how many run local git at once, and at what CPU
priority its threads (and so their git) run."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from statehub.sweep.engine import LOCAL_GIT_PER_CPU, SWEEP_NICENESS, _lower_priority, pool_sizes


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
