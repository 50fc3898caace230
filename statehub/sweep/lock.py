"""One sweep at a time per State Hub home, across processes.

A non-blocking ``flock`` on ``$STATEHUB_HOME/sweep.lock``. The kernel drops a
flock when its holder dies — even by SIGKILL — so a crash can never leave a
stale lock. The file's content names the holder (pid, sweep_id, start,
trigger) for the ``held_by`` field of a skipped sweep; the content is only
information, the flock alone decides who holds the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from pathlib import Path
from typing import IO

from statehub.sweep.result import LockHolder


class SweepLock:
    """The sweep lock of one State Hub home. Not re-entrant: one instance per attempt."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def try_acquire(self, holder: LockHolder) -> bool:
        """Take the lock without waiting; write ``holder`` into it. False when it is held."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Python opens with O_CLOEXEC, so git children never inherit the lock:
        # a holder killed mid-fetch releases it even while its git still runs.
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 — held past this call
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(holder.model_dump_json())
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is None:
            return
        with contextlib.suppress(OSError):
            self._file.seek(0)
            self._file.truncate()
        # Closing the descriptor drops the flock.
        self._file.close()
        self._file = None

    def __enter__(self) -> SweepLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_holder(path: Path) -> LockHolder:
    """The holder named in the lock file (read after ``try_acquire`` was refused)."""
    # The winner truncates then writes; a reader may land in between, so give
    # it a few milliseconds before settling for an anonymous holder.
    for _ in range(20):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = ""
        if text.strip():
            try:
                return LockHolder.model_validate(json.loads(text))
            except ValueError:
                pass
        time.sleep(0.005)
    return LockHolder(sweep_id=None, pid=None, started_at=None, triggered_by=None)


def current_holder(path: Path) -> LockHolder | None:
    """Who holds the lock right now, or None when it is free. Never takes it for long."""
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as handle:
        try:
            # A shared lock succeeds only when no exclusive holder exists.
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return read_holder(path)
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return None
