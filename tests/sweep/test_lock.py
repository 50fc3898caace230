"""The sweep lock across real processes: one holder, a named holder, no stale lock."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from statehub.sweep.lock import SweepLock, current_holder
from statehub.sweep.result import LockHolder

HOLD = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from statehub.sweep.lock import SweepLock
from statehub.sweep.result import LockHolder
lock = SweepLock(Path(sys.argv[1]))
ok = lock.try_acquire(LockHolder(sweep_id="held-elsewhere", pid=None,
    started_at=datetime.now(UTC), triggered_by="local-timer"))
print("acquired" if ok else "refused", flush=True)
time.sleep(600)
"""


def _holder(name: str) -> LockHolder:
    return LockHolder(sweep_id=name, pid=1, started_at=datetime.now(UTC), triggered_by="manual")


@contextmanager
def _held_in_child(lock_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A child process holding the lock; killed (and its pipe closed) when the block ends."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock_path)], stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "acquired"
            yield child
        finally:
            child.kill()


def test_it_refuses_a_second_holder_in_another_process_and_names_the_first(tmp_path: Path) -> None:
    lock_path = tmp_path / "sweep.lock"
    with _held_in_child(lock_path):
        lock = SweepLock(lock_path)
        assert lock.try_acquire(_holder("mine")) is False
        held = current_holder(lock_path)
        assert held is not None
        assert held.sweep_id == "held-elsewhere"
        assert held.triggered_by == "local-timer"


def test_it_leaves_no_stale_lock_when_the_holder_is_killed(tmp_path: Path) -> None:
    lock_path = tmp_path / "sweep.lock"
    with _held_in_child(lock_path) as child:
        child.send_signal(signal.SIGKILL)
        child.wait()
        lock = SweepLock(lock_path)
        assert lock.try_acquire(_holder("after-crash")) is True
        lock.release()


def test_it_excludes_a_second_holder_in_the_same_process(tmp_path: Path) -> None:
    first, second = SweepLock(tmp_path / "sweep.lock"), SweepLock(tmp_path / "sweep.lock")
    assert first.try_acquire(_holder("one"))
    assert not second.try_acquire(_holder("two"))
    first.release()
    assert second.try_acquire(_holder("two"))
    second.release()


def test_it_reports_a_free_lock_as_free(tmp_path: Path) -> None:
    lock_path = tmp_path / "sweep.lock"
    assert current_holder(lock_path) is None
    lock = SweepLock(lock_path)
    assert lock.try_acquire(_holder("x"))
    assert current_holder(lock_path) is not None
    lock.release()
    assert current_holder(lock_path) is None
    assert lock_path.read_text() == ""  # released: emptied, unlocked


# Counted, not timed, so that a loaded machine makes the test slower, never vacuous (timed,
# it once got 91 probes in: each probe of a held lock waits up to 0.1 s for the holder's
# name). With the old probe planted back (a shared flock for an instant), 300 probes made
# 3 of 391,418 attempts skip.
PROBES = 300
PROBE = """
import sys
from pathlib import Path
from statehub.sweep.lock import current_holder
path, count = Path(sys.argv[1]), int(sys.argv[2])
print("probing", flush=True)
for _ in range(count):
    current_holder(path)
print(count, flush=True)
"""


def test_looking_at_the_lock_never_makes_a_sweep_skip(tmp_path: Path) -> None:
    """The status endpoint and the dashboard probe the lock while sweeps come and go: a
    probe that took the lock, even for an instant, made a concurrent sweep skip with an
    unnamed holder. Here another process probes as fast as it can while this one takes and
    releases the lock; every single attempt must win."""
    lock_path = tmp_path / "sweep.lock"
    lock_path.touch()
    # As a context manager, Popen closes the pipe and waits for the child however this ends.
    with subprocess.Popen(
        [sys.executable, "-c", PROBE, str(lock_path), str(PROBES)],
        stdout=subprocess.PIPE,
        text=True,
    ) as prober:
        assert prober.stdout is not None
        assert prober.stdout.readline().strip() == "probing"
        refused = attempts = 0
        # Take and release the lock for as long as the prober is at it (and at least 1,000
        # times); the deadline only stops a wedged run.
        deadline = time.monotonic() + 240
        while (prober.poll() is None or attempts < 5000) and time.monotonic() < deadline:
            attempts += 1
            lock = SweepLock(lock_path)
            if lock.acquire_or_holder(_holder(f"s{attempts}"), name_wait=0) is None:
                lock.release()
            else:
                refused += 1
        probes = int(prober.stdout.read().strip() or 0)
        prober.wait(timeout=30)
    assert probes == PROBES and attempts >= 5000  # both really were at it all along
    assert refused == 0, f"{refused} of {attempts} attempts skipped"


LATE_NAME = """
import os, sys, time
from pathlib import Path
from statehub.sweep import lock
path = Path(sys.argv[1])
handle = open(path, "a+")
assert lock._lock(handle)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))  # a holder slow to write its name (a loaded machine)
os.write(handle.fileno(), b'{"sweep_id": "slow-writer", "pid": 1, "started_at": null, '
         b'"triggered_by": "local-timer"}')
time.sleep(600)
"""


def test_a_refused_sweep_names_a_holder_that_is_slow_to_write_its_name(tmp_path: Path) -> None:
    lock_path = tmp_path / "sweep.lock"
    with subprocess.Popen(
        [sys.executable, "-c", LATE_NAME, str(lock_path), "0.5"], stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "locked"
            held = SweepLock(lock_path).acquire_or_holder(_holder("mine"))
            assert held is not None and held.sweep_id == "slow-writer"
        finally:
            child.kill()


def test_a_free_lock_is_taken_by_a_sweep_that_found_it_held_but_unnamed(tmp_path: Path) -> None:
    """The holder released in the instant after the refusal: no unnamed skip, the sweep runs."""
    lock_path = tmp_path / "sweep.lock"
    with subprocess.Popen(
        [sys.executable, "-c", LATE_NAME, str(lock_path), "600"], stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "locked"
            lock = SweepLock(lock_path)
            with ThreadPoolExecutor(1) as pool:
                trying = pool.submit(lock.acquire_or_holder, _holder("mine"))
                child.kill()  # it dies holding the lock and never wrote a name
                child.wait()
                assert trying.result(timeout=30) is None
        finally:
            child.kill()
    lock.release()
