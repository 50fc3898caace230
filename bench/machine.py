"""What the figures were measured on: enough to compare one run with another."""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.measure import cpu_seconds


def _first_line(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unavailable"
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "unavailable"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return "unknown"
    return f"{pages * size / 2**30:.1f} GiB"


def describe(postgres_version: str | None = None) -> list[tuple[str, str]]:
    return [
        ("date (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M")),
        ("CPU", f"{_cpu_model()}, {os.cpu_count()} logical CPUs"),
        ("memory", _memory_gib()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("git", _first_line(["git", "--version"])),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", postgres_version or "not measured"),
    ]


def load_text(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.2f}" for v in load) + " (1 / 5 / 15 min)"


@dataclass(frozen=True)
class CpuClock:
    """CPU seconds at one moment: the whole machine's busy time (every process, from
    ``/proc/stat``), the time the hypervisor gave away (steal), and this process's own with
    the children it has reaped (the bench's sweeps, git, servers it started)."""

    machine: float
    steal: float
    own: float

    @classmethod
    def now(cls) -> CpuClock | None:
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                fields = stat.readline().split()
        except OSError:
            return None  # not Linux
        ticks = os.sysconf("SC_CLK_TCK")
        # user nice system idle iowait irq softirq steal …
        user, nice, system, _, _, irq, softirq, steal = (int(f) for f in fields[1:9])
        own = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)
        return cls((user + nice + system + irq + softirq) / ticks, steal / ticks, own)


@dataclass(frozen=True)
class OtherWork:
    """What ran on the machine beside the bench between two clocks."""

    cpu_seconds: float  # busy CPU time outside the bench's process tree
    steal_seconds: float
    share: float  # of all the CPUs' time over the run

    @classmethod
    def between(cls, start: CpuClock, end: CpuClock, wall: float, cpus: int) -> OtherWork:
        other = max(0.0, (end.machine - start.machine) - (end.own - start.own))
        steal = end.steal - start.steal
        return cls(other, steal, (other + steal) / max(wall * cpus, 1e-9))

    def text(self) -> str:
        return (
            f"{self.cpu_seconds:.0f} CPU-seconds, and {self.steal_seconds:.0f} s taken by the "
            f"hypervisor (steal): {self.share:.0%} of the CPUs' time"
        )
