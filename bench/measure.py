"""Measuring: wall time and peak memory of a child process, medians and percentiles.

Contenders are run interleaved (A, B, C, A, B, C, …) rather than one after the other, so a
burst of load from elsewhere on a shared machine lands on all of them alike.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


def cpu_seconds(who: int) -> float:
    """User + system CPU seconds of ``resource.getrusage(who)`` (RUSAGE_SELF: this process;
    RUSAGE_CHILDREN: every child it has waited for)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class ChildRun:
    """One child process: its wall time, its peak RSS (its own or a waited-for descendant's),
    and the CPU time (user + system) of it and every descendant it waited for."""

    seconds: float
    max_rss_mb: float
    returncode: int
    stdout: bytes
    cpu_seconds: float = 0.0


class ChildFailed(RuntimeError):
    pass


def run_child(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    cwd: Path | None = None,
    timeout: float = 3600.0,
    check: bool = True,
) -> ChildRun:
    """Run ``argv`` to completion; rusage comes from wait4, so it is this child's alone.

    Output goes to files, not pipes, so that reading it costs the timing nothing.
    """
    with (
        tempfile.TemporaryFile() as feed,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        feed.write(stdin or b"")
        feed.seek(0)
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=feed,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        killer = threading.Timer(timeout, _kill_group, (proc.pid,))
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if check and proc.returncode != 0:
        tail = stderr.decode(errors="replace")[-2000:]
        raise ChildFailed(f"{' '.join(argv[:4])} … exited {proc.returncode}: {tail}")
    # ru_maxrss is in KiB on Linux.
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(seconds, usage.ru_maxrss / 1024, proc.returncode, stdout, cpu)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0 to 100), interpolated between the closest ranks."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else math.nan


@dataclass
class Samples:
    """Wall times (or any figure) of each contender, repetition by repetition."""

    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return median(self.values.get(name, []))

    def ratio(self, name: str, baseline: str) -> float:
        return self.median(name) / self.median(baseline)


@dataclass
class Latency:
    """Request latencies in batches: p50 and p99 are the medians of each batch's own."""

    batches: list[list[float]] = field(default_factory=list)

    def batch(self, seconds: list[float]) -> None:
        self.batches.append(seconds)

    @property
    def p50(self) -> float:
        return median([percentile(b, 50) for b in self.batches if b])

    @property
    def p99(self) -> float:
        return median([percentile(b, 99) for b in self.batches if b])

    @property
    def count(self) -> int:
        return sum(len(b) for b in self.batches)

    def text(self) -> str:
        return f"p50 {self.p50 * 1000:.1f} ms, p99 {self.p99 * 1000:.1f} ms"


def interleaved(
    contenders: Mapping[str, Callable[[], float]],
    *,
    repetitions: int,
    warmup: Sequence[str] | None = None,
    alternate: bool = False,
) -> Samples:
    """Run each contender ``repetitions`` times in turn; each call returns its figure.

    ``warmup`` names the contenders run once, unmeasured, first (all when None): the page
    cache, .pyc files, a fetch's first download are not what we measure. ``alternate``
    reverses the order every other round (A B, B A, A B …), so that a drift in the load
    does not always favour whoever goes first: for a before/after of a few percent.
    """
    for name in contenders if warmup is None else warmup:
        contenders[name]()
    samples = Samples()
    order = list(contenders.items())
    for round_ in range(repetitions):
        for name, run in reversed(order) if alternate and round_ % 2 else order:
            samples.add(name, run())
    return samples


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()
