"""What the page says about the machine: CPU used beside the bench is the machine's busy time
less the bench's own, read from the kernel, not the load average (which counts the bench's
own 32 fetches, and at the start what ran before it)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.machine import CpuClock, OtherWork


def test_other_work_is_the_machines_busy_time_less_the_benchs_own() -> None:
    start, end = CpuClock(100.0, 1.0, 10.0), CpuClock(160.0, 3.0, 50.0)

    other = OtherWork.between(start, end, wall=50.0, cpus=2)

    assert (other.cpu_seconds, other.steal_seconds) == (20.0, 2.0)
    assert other.share == pytest.approx(0.22)
    assert other.text() == (
        "20 CPU-seconds, and 2 s taken by the hypervisor (steal): 22% of the CPUs' time"
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_a_child_the_bench_reaps_counts_as_its_own() -> None:
    start = CpuClock.now()
    assert start is not None
    # Half a CPU-second in a child the bench waits for: it counts in the machine's busy
    # time and in the bench's own alike, so it is never taken for other work.
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass\n"
    subprocess.run([sys.executable, "-c", spin], check=True)
    end = CpuClock.now()
    assert end is not None

    assert end.own - start.own >= 0.5
    assert end.machine - start.machine >= 0.5
