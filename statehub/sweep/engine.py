"""The remote-all consistency sweep.

``Sweeper.begin`` takes the lock (or records a lock skip at once);
``ActiveSweep.run`` checks every registered repo, stalest first, in a bounded
thread pool under one wall-clock deadline, then records the result — one
progress event and every repo's last observed state — in one transaction,
and releases the lock.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from statehub.errors import StoreError
from statehub.git.runner import git_environment
from statehub.git.trust import SweepTrust, UserConfig
from statehub.git.worktrees import common_git_dir
from statehub.settings import Settings
from statehub.store import ledger
from statehub.store.records import CheckRecord, SweepTarget
from statehub.store.sweepstore import SweepStore
from statehub.sweep import spool
from statehub.sweep.check import CheckPlan, Member, RepoCheck, Verdict, check_group
from statehub.sweep.deadline import Deadline
from statehub.sweep.document import (
    build_result,
    failed_result,
    lock_skipped_result,
)
from statehub.sweep.lock import SweepLock
from statehub.sweep.observers import SweepObserver, tell_finished, tell_started
from statehub.sweep.recording import check_records, drain_spool, write_sweep
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import (
    LockHolder,
    SweepCannotStart,
    SweepNotRecorded,
    SweepResult,
)

if TYPE_CHECKING:
    from statehub.store import Store

logger = logging.getLogger("statehub.sweep")

# Repos still in flight at the deadline have had their git killed; this is how
# long we wait for those threads to notice before we stop waiting for them.
_DRAIN_SECONDS = 1.5

ProgressCallback = Callable[[int, int, str], None]

# Local git work is CPU-bound: more of it at once than this per CPU only queues in the kernel.
LOCAL_GIT_PER_CPU = 4


# The sweep is background work: its threads, and the git processes they start (which inherit
# a thread's niceness), yield the CPU to the API's threads and to the developer's own work.
# Measured with a 1,000-repo sweep in the server on 2 busy cores: p99 of GET /health 47-62 ms
# at niceness 0, 11-29 ms at 10, the sweep no slower (docs/benchmarks.md). Where the kernel
# schedules each session as one group (autogroup), each git's session is given the niceness
# of the thread that started it (statehub/git/runner.py, _keep_niceness).
SWEEP_NICENESS = 10


def _lower_priority() -> None:
    # Linux schedules threads individually, so this touches only the calling pool thread;
    # elsewhere PRIO_PROCESS with a thread id would name some process: leave it alone.
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), max(current, SWEEP_NICENESS))


def pool_sizes(workers: int, *, fetch: bool) -> tuple[int, int]:
    """Threads for a sweep, and how many of them may run local git at once.

    A fetch mostly waits on the network, so a fetching sweep keeps ``workers`` repos in
    flight; a pool sized for the CPU instead took 1.9x as long as ``xargs -P 32 git fetch``
    over 200 remotes 100 ms away (docs/benchmarks.md).
    """
    local = max(1, min(workers, LOCAL_GIT_PER_CPU * (os.cpu_count() or 1)))
    return (workers if fetch else local), local


def sweep_git_environment(*, fetch: bool) -> dict[str, str]:
    """The environment every git call of one sweep starts from.

    Without a fetch the sweep promises no network access; in a partial clone a missing
    object would otherwise be fetched from the promisor remote on demand. git >= 2.44
    honours GIT_NO_LAZY_FETCH; older git ignores it (docs/security.md says so).
    """
    env = git_environment()
    if not fetch:
        env["GIT_NO_LAZY_FETCH"] = "1"
    return env


def _sweep_trust(env: dict[str, str], timeout: float) -> SweepTrust:
    """The user's git config, read once per sweep, not once per repo (one git process)."""
    return SweepTrust.build(env, UserConfig.read(env, timeout=timeout))


def worktree_groups(repos: list[SweepTarget]) -> list[list[Member]]:
    """The repos grouped by the git dir they share (linked worktrees), stalest first.

    A group is as stale as its stalest member, which leads it; the others follow in
    their own order. A repo whose git dir cannot be read stands alone (its check says why).
    """
    groups: dict[str, list[Member]] = {}
    for repo in repos:
        key = common_git_dir(repo.path) or f"\0{repo.path}"
        member = Member(repo.name, repo.path, repo.allow_push, repo.trust_repo_config)
        groups.setdefault(key, []).append(member)
    return list(groups.values())


def _now() -> datetime:
    return datetime.now(UTC)


class _Groups:
    """The worktree groups still to check, handed out one at a time to the sweep's threads."""

    def __init__(self, groups: list[list[Member]]) -> None:
        self._groups = iter(groups)
        self._count = len(groups)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def next(self) -> list[Member] | None:
        with self._lock:
            return next(self._groups, None)


class Sweeper:
    """Runs sweeps for one State Hub home and store. Safe to share between threads.

    Its reads and writes are the ledger's, on ``store``'s plain transactions (a ``Store``
    given is used through ``SweepStore.over``).
    """

    def __init__(
        self,
        settings: Settings,
        store: SweepStore | Store,
        observers: Sequence[SweepObserver] = (),
    ) -> None:
        self.settings = settings
        self.store = store if isinstance(store, SweepStore) else SweepStore.over(store)
        self.observers = list(observers)

    def begin(self, request: SweepRequest) -> ActiveSweep | SweepResult:
        """Take the lock and return the sweep to run, or the recorded lock-skip result.

        The fleet config file is synced first; a problem with it never stops the sweep,
        it makes the sweep degraded. SweepCannotStart (recorded as a failed sweep where
        the database allows) when the home or its lock file cannot be used.
        """
        started_at = _now()
        config_problems = self.sync_config()
        lock = SweepLock(self.settings.lock_path)
        holder = LockHolder(
            sweep_id=str(request.sweep_id),
            pid=os.getpid(),
            started_at=started_at,
            triggered_by=request.triggered_by,
            host=self.settings.hostname,
        )
        try:
            held_by = lock.acquire_or_holder(holder)
        except OSError as exc:
            raise self._cannot_start(request, started_at, exc) from exc
        if held_by is None:
            # Stamped again once the lock is ours: a thread paused between the first
            # stamp and the lock could otherwise record a start before the previous
            # holder's finish, and the events' ranges are the proof of one-at-a-time.
            active = ActiveSweep(self, request, lock, _now(), config_problems)
            tell_started(self.observers, request, active.started_at)
            return active
        try:
            with self.store.reading() as tx:
                total = ledger.count_repos(tx)
        except StoreError:
            # The database is away: the skip is still spooled (it is the caller's attendance
            # of its slot), its fleet size unknown rather than guessed.
            total = 0
        result = lock_skipped_result(
            request,
            host=self.settings.hostname,
            started_at=started_at,
            finished_at=_now(),
            held_by=held_by,
            repos_total=total,
        )
        self.record_or_spool(result, [])
        return result

    def run(
        self, request: SweepRequest, on_progress: ProgressCallback | None = None
    ) -> SweepResult:
        started = self.begin(request)
        if isinstance(started, SweepResult):
            return started
        return started.run(on_progress)

    def sync_config(self) -> list[str]:
        """Register what the fleet config file names; its problems, as sentences."""
        if self.settings.resolved_config_file is None:
            return []  # nothing to sync: neither the registry nor the ORM store is loaded
        from statehub.registry import sync_config_file

        report = sync_config_file(self.settings, self.store.store())
        return report.problems if report is not None else []

    def _cannot_start(
        self, request: SweepRequest, started_at: datetime, exc: OSError
    ) -> SweepCannotStart:
        home, lock_path = self.settings.home, self.settings.lock_path
        why = exc.strerror or str(exc)
        if not home.is_dir():
            reason = (
                f"the State Hub home {home} cannot be created ({why}); create it, or set "
                "STATEHUB_HOME to a directory this user can write"
            )
        else:
            reason = (
                f"the lock file {lock_path} cannot be opened ({why}); make {home} and the "
                "lock file writable by this user, or set STATEHUB_HOME to a directory it can write"
            )
        result = failed_result(
            request,
            host=self.settings.hostname,
            started_at=started_at,
            finished_at=_now(),
            reason=f"the sweep could not start: {reason}",
        )
        try:
            self.record_or_spool(result, [])
            recorded = "recorded as a failed sweep"
        except SweepNotRecorded as not_recorded:
            recorded = f"not recorded either: {not_recorded.reason}"
        return SweepCannotStart(result, f"cannot start the sweep: {reason} ({recorded})")

    def record_or_spool(
        self, result: SweepResult, checks: list[RepoCheck], *, holding_lock: bool = False
    ) -> None:
        """``record``, or spool it and raise SweepNotRecorded when the database fails.

        A sweep that holds the lock records the spooled sweeps first, in their order.
        """
        records = check_records(checks, fetched=result.fetch)
        try:
            if holding_lock:
                self._drain_spool()
            self._record(result, records)
        except StoreError as exc:
            reason = str(exc).strip().splitlines()[0]
            try:
                spooled: Path | None = spool.write(self.settings.home, result, records)
                spool_error = None
            except OSError as spool_exc:
                spooled, spool_error = None, spool_exc.strerror or str(spool_exc)
            tell_finished(self.observers, result, recorded=False)
            raise SweepNotRecorded(
                result, reason, spooled_to=spooled, spool_error=spool_error
            ) from exc
        tell_finished(self.observers, result, recorded=True)

    def record(self, result: SweepResult, checks: list[RepoCheck]) -> None:
        """The event and the repos' states in one transaction: all of it or none."""
        self._record(result, check_records(checks, fetched=result.fetch))

    def _record(self, result: SweepResult, records: list[CheckRecord]) -> None:
        # Built before the transaction: on SQLite it holds the write lock, which every
        # lock-skipped POST and progress read waiting on the API needs too.
        payload = result.document()
        with self.store.writing() as tx:
            write_sweep(tx, result, payload, records)

    def record_spool(self) -> int:
        """Record the spooled sweeps now, if no sweep holds the lock (at server start).

        Returns how many were recorded; a sweep holding the lock records them itself.
        """
        if not spool.pending(self.settings.home):
            return 0
        lock = SweepLock(self.settings.lock_path)
        holder = LockHolder(
            sweep_id=None,
            pid=os.getpid(),
            started_at=_now(),
            triggered_by="spool",
            host=self.settings.hostname,
        )
        if lock.acquire_or_holder(holder, name_wait=0) is not None:
            return 0
        try:
            return self._drain_spool()
        finally:
            lock.release()

    def _drain_spool(self) -> int:
        return drain_spool(self.store, self.settings.home)


class ActiveSweep:
    """A sweep that holds the lock. ``run`` always releases it."""

    def __init__(
        self,
        sweeper: Sweeper,
        request: SweepRequest,
        lock: SweepLock,
        started_at: datetime,
        config_problems: Sequence[str] = (),
    ) -> None:
        self.sweeper = sweeper
        self.config_problems = list(config_problems)
        self.request = request
        self.started_at = started_at
        self._lock = lock
        self._deadline = Deadline.after(request.max_seconds)

    @property
    def sweep_id(self) -> UUID:
        return self.request.sweep_id

    def run(self, on_progress: ProgressCallback | None = None) -> SweepResult:
        try:
            with self.sweeper.store.reading() as tx:
                repos = ledger.list_repos_stalest_first(tx)
            checks = self._check_all(repos, on_progress)
            result = build_result(
                self.request,
                host=self.sweeper.settings.hostname,
                started_at=self.started_at,
                finished_at=_now(),
                repos_total=len(repos),
                checks=checks,
                config_problems=self.config_problems,
            )
            # The database may have gone away while git ran: the result is spooled, still
            # goes back to the caller (inside SweepNotRecorded) and the lock is released.
            self.sweeper.record_or_spool(result, checks, holding_lock=True)
            return result
        finally:
            self._lock.release()

    def _check_all(
        self, repos: list[SweepTarget], on_progress: ProgressCallback | None
    ) -> list[RepoCheck]:
        settings = self.sweeper.settings
        threads, local = pool_sizes(settings.workers, fetch=self.request.fetch)
        plan = CheckPlan(
            mode=self.request.mode,
            fetch=self.request.fetch,
            fetch_timeout=settings.fetch_timeout,
            git_timeout=settings.git_timeout,
            deadline=self._deadline,
            local_slots=threading.BoundedSemaphore(local) if local < threads else None,
            trust=_sweep_trust(
                sweep_git_environment(fetch=self.request.fetch), settings.git_timeout
            ),
        )
        done: dict[str, RepoCheck] = {}
        done_lock = threading.Lock()
        stop = threading.Event()
        groups = _Groups(worktree_groups(repos))

        def finished(check: RepoCheck) -> None:
            with done_lock:
                done[check.name] = check
                if on_progress is not None:  # under the lock: one report at a time, in order
                    on_progress(len(done), len(repos), check.name)

        def drain() -> None:
            # One long task per thread rather than a future per repo: a future's completion
            # wakes the waiting thread, which then contends for the GIL with the workers —
            # 0.17 ms per repo of the sweep's own CPU in one A/B (bench/findings.md).
            while not stop.is_set() and (group := groups.next()) is not None:
                check_group(group, plan=plan, on_done=finished)

        pool = cf.ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="sweep", initializer=_lower_priority
        )
        try:
            futures = [pool.submit(drain) for _ in range(min(threads, len(groups)))]
            wait_for = self._deadline.remaining() + _DRAIN_SECONDS
            finished_in_time, _ = cf.wait(futures, timeout=wait_for)
            for future in finished_in_time:
                future.result()  # a bug in a check is the sweep's failure, as it always was
        finally:
            # Groups not started are dropped (reported as over budget below); threads still
            # in git exit once their (deadline-capped) timeout kills it.
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
        with done_lock:
            checked = dict(done)  # a group still running past the deadline adds no more
        return [
            checked.get(r.name) or RepoCheck(name=r.name, path=r.path, verdict=Verdict.BUDGET)
            for r in repos
        ]
