"""The sweep lock across real processes: one holder, a named holder, no stale lock."""

from __future__ import annotations

import signal
import subprocess
import sys
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


def _hold_in_child(lock_path: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock_path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "acquired"
    return child


def test_it_refuses_a_second_holder_in_another_process_and_names_the_first(tmp_path: Path) -> None:
    lock_path = tmp_path / "sweep.lock"
    child = _hold_in_child(lock_path)
    try:
        lock = SweepLock(lock_path)
        assert lock.try_acquire(_holder("mine")) is False
        held = current_holder(lock_path)
        assert held is not None
        assert held.sweep_id == "held-elsewhere"
        assert held.triggered_by == "local-timer"
    finally:
        child.kill()
        child.wait()


def test_it_leaves_no_stale_lock_when_the_holder_is_killed(tmp_path: Path) -> None:
    lock_path = tmp_path / "sweep.lock"
    child = _hold_in_child(lock_path)
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
