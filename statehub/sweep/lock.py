"""One sweep at a time per State Hub home, across processes.

An open-file-description lock (``F_OFD_SETLK``, Linux ≥ 3.15) on the whole of
``$STATEHUB_HOME/sweep.lock``. Like ``flock`` it belongs to the open file, not
the process, so two sweeps in one server exclude each other, and the kernel
drops it when its holder dies — even by SIGKILL — so a crash never leaves a
stale lock. Unlike ``flock`` it can be *tested* without being taken
(``F_OFD_GETLK``): the status endpoint and the dashboard look at the lock
without ever making a concurrent sweep skip.

The file's content names the holder (pid, sweep_id, start, trigger) for the
``held_by`` field of a skipped sweep; it is written while the lock is held and
emptied before it is released, so a non-empty file under a held lock always
names the sweep holding it. The lock alone decides who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import struct
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import IO

from statehub.sweep.result import LockHolder

# struct flock: l_type, l_whence, l_start, l_len, l_pid (short, short, off_t, off_t, pid_t),
# padded to its C size. l_len 0 means "to the end of the file, however long": the whole file.
_FLOCK = struct.Struct("@hhqqi4x")
_OFD = sys.platform == "linux" and hasattr(fcntl, "F_OFD_SETLK")

# How long a refused sweep waits for the holder to write its name. The holder writes right
# after taking the lock; on a loaded machine that instant can stretch, and an unnamed skip is
# evidence nobody can check. While the file is empty the lock is tried again, so a holder
# that released (or died) in the meantime lets this sweep run instead of skipping.
NAME_WAIT_SECONDS = 5.0
_POLL_SECONDS = 0.005


def _ofd(handle: IO[str], command: int, lock_type: int) -> bytes:
    request = _FLOCK.pack(lock_type, os.SEEK_SET, 0, 0, 0)
    return fcntl.fcntl(handle.fileno(), command, request)


def _lock(handle: IO[str]) -> bool:
    """Take the exclusive lock on ``handle`` without waiting; False when another has it."""
    try:
        if _OFD:
            _ofd(handle, fcntl.F_OFD_SETLK, fcntl.F_WRLCK)
        else:  # no OFD locks (not Linux): flock, whose state can only be probed by taking it
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError) as exc:
        # EAGAIN or EACCES: held. Any other errno is a real fault for the caller.
        if isinstance(exc, PermissionError) and not _OFD:
            raise
        return False
    return True


def _held(path: Path) -> bool:
    """Is the lock held right now? Never takes it (on Linux), so it cannot make a sweep skip."""
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 — closed below
    except OSError:
        # Missing, or unusable (then no sweep can hold it either: each records its failure).
        return False
    with handle:
        if _OFD:
            answer = _ofd(handle, fcntl.F_OFD_GETLK, fcntl.F_RDLCK)
            lock_type: int = _FLOCK.unpack(answer)[0]
            return lock_type != fcntl.F_UNLCK
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


def _named(path: Path) -> LockHolder | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    if not text.strip():
        return None
    try:
        return _holder(json.loads(text))
    except (ValueError, KeyError):
        return None  # caught mid-write: the holder writes its name in one call


def _holder(name: object) -> LockHolder:
    """The holder a lock file names, as ``LockHolder.document()`` wrote it; ValueError or
    KeyError when it is not one. By hand, not pydantic: a lock skip is on the timer's path."""
    if not isinstance(name, dict):
        raise ValueError("not a JSON object")
    pid = name["pid"]
    if pid is not None and (isinstance(pid, bool) or not isinstance(pid, int)):
        raise ValueError("pid is not an integer")
    started_at = _text(name, "started_at")
    return LockHolder(
        sweep_id=_text(name, "sweep_id"),
        pid=pid,
        started_at=datetime.fromisoformat(started_at) if started_at is not None else None,
        triggered_by=_text(name, "triggered_by"),
        host=_text(name, "host", required=False),
    )


def _text(name: dict[str, object], key: str, *, required: bool = True) -> str | None:
    value = name[key] if required else name.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} is not a string")
    return value


def _anonymous() -> LockHolder:
    return LockHolder(sweep_id=None, pid=None, started_at=None, triggered_by=None)


class SweepLock:
    """The sweep lock of one State Hub home. Not re-entrant: one instance per attempt."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def try_acquire(self, holder: LockHolder) -> bool:
        """Take the lock without waiting; write ``holder`` into it. False when it is held."""
        return self.acquire_or_holder(holder) is None

    def acquire_or_holder(
        self, holder: LockHolder, *, name_wait: float = NAME_WAIT_SECONDS
    ) -> LockHolder | None:
        """Take the lock (None), or return who holds it — named, unless the holder never
        wrote its name within ``name_wait`` seconds while keeping the lock.

        OSError when the lock file cannot be created or opened: the caller cannot sweep.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + name_wait
        while True:
            # Python opens with O_CLOEXEC, so git children never inherit the lock:
            # a holder killed mid-fetch releases it even while its git still runs.
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 — held past this call
            if _lock(handle):
                self._own(handle, holder)
                return None
            handle.close()
            named = _named(self.path)
            if named is not None:
                return named
            if time.monotonic() >= deadline:
                return _anonymous()
            time.sleep(_POLL_SECONDS)

    def _own(self, handle: IO[str], holder: LockHolder) -> None:
        handle.seek(0)
        handle.truncate()
        # One write call: a reader sees the whole name or none of it.
        os.write(
            handle.fileno(),
            json.dumps(holder.document(), ensure_ascii=False, separators=(",", ":")).encode(),
        )
        self._file = handle

    def release(self) -> None:
        if self._file is None:
            return
        # Emptied while still held: a name in the file always belongs to the lock's holder.
        with contextlib.suppress(OSError):
            self._file.truncate(0)
        # Closing the descriptor drops the lock.
        self._file.close()
        self._file = None

    def __enter__(self) -> SweepLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_holder(path: Path, *, wait: float = 0.1) -> LockHolder:
    """The holder named in the lock file, waiting up to ``wait`` seconds for its name."""
    deadline = time.monotonic() + wait
    while True:
        named = _named(path)
        if named is not None or time.monotonic() >= deadline:
            return named or _anonymous()
        time.sleep(_POLL_SECONDS)


def is_held(path: Path) -> bool:
    """Whether a sweep holds the lock right now, without waiting for its name (a metrics
    scrape asks this every few seconds). Only looks: never takes it."""
    return _held(path)


def current_holder(path: Path) -> LockHolder | None:
    """Who holds the lock right now, or None when it is free. Only looks: never takes it."""
    if not _held(path):
        return None
    return read_holder(path)
