"""Processes a test started or a fault left behind: stopping them, and telling whether they
are gone. Zombies count as dead: they run nothing, and in a container whose PID 1 does not
reap they linger after a SIGKILL."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx


def stop_process(process: subprocess.Popen[Any] | None, timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if it is still there after ``timeout`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def alive(pid: int) -> bool:
    if not Path("/proc/self").exists():  # no procfs (macOS): zombies will count as alive
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rpartition(")")[2].split()[0]  # the command name may hold spaces
    return state not in ("Z", "X")


def survivors(pids: Iterable[int], *, within: float = 1.0) -> list[int]:
    """The pids still alive after waiting up to ``within`` seconds for the kill to land."""
    pending = list(pids)
    end = time.monotonic() + within
    while pending and time.monotonic() < end:
        pending = [pid for pid in pending if alive(pid)]
        if pending:
            time.sleep(0.02)
    return pending


def read_pids(path: Path, *, expect: int, within: float = 2.0) -> list[int]:
    """The pids a stand-in script wrote to ``path``, once ``expect`` of them are there."""
    end = time.monotonic() + within
    while True:
        pids = [int(word) for word in path.read_text().split()] if path.exists() else []
        if len(pids) >= expect or time.monotonic() > end:
            return pids
        time.sleep(0.02)


def answers_ok(
    process: subprocess.Popen[Any], url: str, *, exited: Callable[[int], Exception]
) -> bool:
    """Whether a server we started answers 200 at ``url`` yet; ``exited(returncode)`` is
    raised when it has died instead, so a wait on it fails at once with the reason."""
    if process.poll() is not None:
        raise exited(process.returncode)
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def autogroups() -> bool:
    """Whether the kernel schedules each session as one group (``sched_autogroup_enabled``)."""
    flag = Path("/proc/sys/kernel/sched_autogroup_enabled")
    return flag.exists() and flag.read_text().strip() == "1"


# Shell lines for a process inside a git's session: wait (up to 5 s) until the session's
# group has a niceness other than 0, which State Hub's runner writes just after the spawn,
# so that a probe reading /proc/self/autogroup does not read before the write.
AWAIT_SESSION_NICENESS = (
    "i=0\n"
    "while grep -q ' nice 0$' /proc/self/autogroup && [ $i -lt 500 ]; do\n"
    "  i=$((i + 1)); sleep 0.01\n"
    "done\n"
)
