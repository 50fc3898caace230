"""Run one git command without ever letting it hang a sweep.

Every git process:

* runs in its own session (``start_new_session``), so a timeout can kill the
  whole process group — ``git fetch`` forks ``ssh``, ``git-remote-https`` and
  ``upload-pack`` helpers that would otherwise outlive it;
* has stdin closed and every credential prompt disabled, so a remote that asks
  for a password fails at once instead of waiting for a human;
* has a timeout and a working directory;
* is reaped the moment it exits: on Linux a pidfd wakes the waiting thread,
  where ``Popen.communicate(timeout=…)`` polls ``waitpid`` with sleeps that cost
  about a millisecond per call (two calls per repo, every repo, every sweep);
* keeps the niceness of the thread that started it where the kernel schedules each session
  as a group of its own (``_keep_niceness``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# ssh in BatchMode never asks for a password or a host-key confirmation; a
# ConnectTimeout keeps an unroutable host from eating the whole budget.
_SSH_COMMAND = "ssh -o BatchMode=yes -o ConnectTimeout=10"


def git_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every git child gets: no prompts, no optional locks, C locale."""
    env = dict(os.environ if base is None else base)
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_ASKPASS="",
        SSH_ASKPASS="",
        GCM_INTERACTIVE="never",
        # Reading status must not take index.lock: the user's own git would
        # then fail with "another git process seems to be running".
        GIT_OPTIONAL_LOCKS="0",
        LC_ALL="C",
        LANG="C",
    )
    env.setdefault("GIT_SSH_COMMAND", _SSH_COMMAND)
    if "GIT_SSH_COMMAND" in env and "BatchMode" not in env["GIT_SSH_COMMAND"]:
        env["GIT_SSH_COMMAND"] = f"{env['GIT_SSH_COMMAND']} -o BatchMode=yes"
    env.pop("GIT_DIR", None)  # inherited from a hook, it would point every call at one repo
    env.pop("GIT_WORK_TREE", None)
    return env


@dataclass(frozen=True)
class GitResult:
    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def error_line(self) -> str:
        """The most telling line of stderr, for a one-line report."""
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        for line in lines:
            if line.startswith(("fatal:", "error:")):
                return line
        return lines[-1] if lines else f"git exited with status {self.returncode}"


class GitTimeout(Exception):
    """git did not finish in time; its whole process group has been killed."""

    def __init__(self, args: Sequence[str], timeout: float) -> None:
        super().__init__(f"git {' '.join(args)} timed out after {timeout:.1f}s")
        self.args_ = tuple(args)
        self.timeout = timeout


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)
    # Its pipes are closed unread: a helper that left our process group (setsid) and still
    # holds them gets EPIPE, and nothing here waits on it.
    proc.wait()


def run_git(
    args: Sequence[str],
    *,
    cwd: Path | str,
    timeout: float,
    env: dict[str, str] | None = None,
) -> GitResult:
    """Run ``git ARGS`` in ``cwd``; raise GitTimeout (group killed) after ``timeout`` seconds."""
    if timeout <= 0:
        raise GitTimeout(args, timeout)
    env = env if env is not None else git_environment()
    deadline = time.monotonic() + timeout
    with _Pipes() as pipes:
        try:
            proc = _spawn(args, cwd, env, pipes)
        except FileNotFoundError:
            # git moved since we looked it up, or cwd is gone (then this raises again).
            _which_git.cache_clear()
            proc = _spawn(args, cwd, env, pipes)
        pipes.close_child_ends()
        _keep_niceness(proc.pid)
        try:
            stdout, stderr = _communicate(proc, pipes, deadline)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise GitTimeout(args, timeout) from None
        except BaseException:
            _kill_group(proc)
            raise
    return GitResult(tuple(args), proc.returncode, stdout, stderr.decode("utf-8", "replace"))


class _Pipes:
    """git's stdout and stderr as bare pipes, which the runner reads itself.

    Handing Popen descriptors instead of ``PIPE`` spares it a buffered file object per
    stream and the pipes' bookkeeping: a tenth of a millisecond of the sweep's own CPU per
    git process, of about 0.4 ms for the whole spawn-read-reap.
    """

    def __init__(self) -> None:
        self.fds: list[int] = []

    def __enter__(self) -> _Pipes:
        try:
            self.stdout, self.stdout_w = self._pipe()
            self.stderr, self.stderr_w = self._pipe()
        except BaseException:
            self._close(self.fds)
            raise
        return self

    def _pipe(self) -> tuple[int, int]:
        pair = os.pipe()  # close-on-exec: no other git started meanwhile inherits them
        self.fds.extend(pair)
        return pair

    def close_child_ends(self) -> None:
        # Once git has them, ours would keep the pipes open past git's exit (no EOF).
        self._close([self.stdout_w, self.stderr_w])

    def __exit__(self, *_: object) -> None:
        self._close(self.fds)

    def _close(self, fds: list[int]) -> None:
        for fd in list(fds):  # a copy: ``fds`` may be self.fds itself
            self.fds.remove(fd)
            os.close(fd)


def _spawn(
    args: Sequence[str], cwd: Path | str, env: dict[str, str], pipes: _Pipes
) -> subprocess.Popen[bytes]:
    # Popen, not os.posix_spawn: Popen's vfork does not map and unmap a stack per call
    # (bench/findings.md measured posix_spawn from the sweep's threads 1.5x slower).
    return subprocess.Popen(
        ["git", *args],
        executable=_which_git(env.get("PATH")),
        cwd=cwd,
        env=env,
        stdin=_devnull(),
        stdout=pipes.stdout_w,
        stderr=pipes.stderr_w,
        start_new_session=True,
    )


def _keep_niceness(pid: int) -> None:
    """Give the session ``pid`` leads the calling thread's niceness, where sessions are
    scheduling groups.

    With the kernel's autogroups (``kernel.sched_autogroup_enabled``, the default on desktop
    kernels, for processes outside a cgroup of their own), every session is one group and
    groups share the CPUs equally whatever their members' niceness. A git started in a
    session of its own (so that a timeout kills its whole group) then weighs as much as
    the API's process, all of its threads together, and 32 fetches 32 times as much: the
    sweep's niceness (statehub/sweep/engine.py) counted for nothing. Writing the niceness
    to the session's ``/proc/<pid>/autogroup`` gives it back (raising it needs no
    privilege). Measured in ``bench.abtest --api``: ``GET /health`` p99 during a fetching
    sweep 47-61 ms before, 13-20 ms after; the sweeps themselves no slower (bench/findings.md).
    The write costs about 25 µs of a sweep thread's CPU; a thread at niceness 0 (the API's,
    the doctor's) makes none.
    """
    if not _autogroups():
        return
    try:
        niceness = os.getpriority(os.PRIO_PROCESS, 0)  # on Linux, the calling thread's
        if niceness <= 0:
            return
        # Not reaped yet (run_git reaps it later), so ``pid`` is still this child's: a zombie
        # keeps its pid until it is waited for.
        fd = os.open(f"/proc/{pid}/autogroup", os.O_WRONLY)
        try:
            os.write(fd, str(niceness).encode())
        finally:
            os.close(fd)
    except OSError:
        pass  # already gone, or a kernel that refuses: scheduled as before


@functools.cache
def _autogroups() -> bool:
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled", "rb") as flag:
            return flag.read().strip() == b"1"
    except OSError:
        return False  # not Linux, or a kernel without autogroups


@functools.lru_cache(maxsize=16)
def _which_git(search_path: str | None) -> str:
    """git's full path on ``search_path``, looked up once rather than by every call.

    Given a bare name, Popen tries ``execve`` in each PATH directory in turn, in the child,
    while the parent thread holds the GIL — for every git call of a sweep.
    """
    return shutil.which("git", path=search_path) or "git"


@functools.cache
def _devnull() -> int:
    """git's stdin: /dev/null, opened once per process rather than by every call."""
    return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)


def _communicate(
    proc: subprocess.Popen[bytes], pipes: _Pipes, deadline: float
) -> tuple[bytes, bytes]:
    """Read stdout and stderr to their end, then reap ``proc``; TimeoutExpired at ``deadline``."""
    chunks: dict[int, list[bytes]] = {pipes.stdout: [], pipes.stderr: []}
    poller = select.poll()  # no descriptor limit and, for two pipes, no kernel object (epoll)
    for fd in chunks:
        poller.register(fd, select.POLLIN)
    open_streams = len(chunks)
    while open_streams:
        for fd, _ in poller.poll(_remaining(proc, deadline) * 1000):
            data = os.read(fd, 65536)
            if data:
                chunks[fd].append(data)
            else:
                poller.unregister(fd)
                open_streams -= 1
    _reap(proc, deadline)
    return b"".join(chunks[pipes.stdout]), b"".join(chunks[pipes.stderr])


def _remaining(proc: subprocess.Popen[bytes], deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise subprocess.TimeoutExpired(proc.args, 0)
    return left


def _reap(proc: subprocess.Popen[bytes], deadline: float) -> None:
    """Wait for ``proc`` to exit: on a pidfd where there is one, else by Popen's own polling."""
    if proc.poll() is not None:
        return  # the usual case: git has exited by the time its pipes are read to the end
    pidfd = _pidfd(proc.pid)
    if pidfd is None:
        proc.wait(timeout=_remaining(proc, deadline))
        return
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    try:
        exited = poller.poll(_remaining(proc, deadline) * 1000)
    finally:
        os.close(pidfd)
    if not exited:
        raise subprocess.TimeoutExpired(proc.args, 0)
    proc.wait()  # it has exited: this only collects the status


def _pidfd(pid: int) -> int | None:
    pidfd_open = getattr(os, "pidfd_open", None)  # Linux >= 5.3 only
    if pidfd_open is None:
        return None
    try:
        return int(pidfd_open(pid))
    except OSError:  # a kernel without the syscall, or a seccomp filter refusing it
        return None
