"""Check one repo: fetch its remotes, inspect it, and in fix mode reconcile it.

Runs in a worker thread of the sweep's pool. Every git call is capped by the
sweep's deadline, so a hung remote costs at most the budget, never more.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from statehub.errors import FixRefused, InspectError, NotAGitRepo
from statehub.fleet.explain import Detail
from statehub.fleet.state import Finding, RepoState, findings_for
from statehub.git.inspect import fast_forward, fetch_all, find_git_dir, inspect_repo, push_branch
from statehub.git.refs import command_config_keys
from statehub.git.repoconfig import RepoConfig, load_repo_config
from statehub.git.runner import GitResult, GitTimeout, git_environment
from statehub.git.trust import RepoGuard, SweepTrust, UserConfig, guard_repo
from statehub.git.worktrees import checked_out_branch
from statehub.sweep.deadline import BudgetExhausted, Deadline
from statehub.sweep.outcome import explained, observed_state
from statehub.sweep.reconcile import Fix, FixKind, plan_fixes
from statehub.sweep.result import Mode, ObservedState


class Verdict(StrEnum):
    NEEDS_ACTION = "needs_action"
    CLEAN = "clean"
    MISSING = "missing"
    BUDGET = "budget"
    ERROR = "error"


@dataclass(frozen=True)
class CheckPlan:
    """What every repo of one sweep gets."""

    mode: Mode
    fetch: bool
    fetch_timeout: float
    git_timeout: float
    deadline: Deadline
    # Caps local git work (CPU-bound) below the pool's size, which fetches (waiting on the
    # network) can use in full.
    local_slots: threading.Semaphore | None = None
    # The user's git config and the environment every git call starts from, built once per
    # sweep: copying and decoding os.environ for each of thousands of calls is measurable CPU.
    trust: SweepTrust = field(
        default_factory=lambda: SweepTrust.build(git_environment(), UserConfig())
    )
    # False: every repo's branches come from `git for-each-ref`, never from the ref files
    # (the equivalence tests compare both ways).
    refs_from_files: bool = True


@dataclass(frozen=True)
class Fetched:
    """What one fetch of a git dir found: shared by every worktree of that git dir."""

    findings: tuple[str, ...] = ()
    message: str | None = None
    failed: tuple[tuple[str, str], ...] = ()  # each remote that failed, with git's line


@dataclass(frozen=True)
class Member:
    """One registered repo, as a sweep checks it."""

    name: str
    path: str
    allow_push: bool = False
    trust_config: bool = False  # trust_repo_config: the repo's own programs may run


@dataclass
class RepoCheck:
    """The outcome of checking one repo."""

    name: str
    path: str
    verdict: Verdict
    state: RepoState | None = None
    findings: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    message: str | None = None
    fetched: Fetched | None = field(default=None, repr=False)
    # As the document and the records show it (statehub.sweep.outcome), made once where the
    # check ends, in the sweep's threads.
    observed: ObservedState | None = field(default=None, repr=False)
    details: list[Detail] = field(default_factory=list, repr=False)


def _capped(plan: CheckPlan, timeout: float) -> tuple[float, bool]:
    left, budget_bound = plan.deadline.cap(timeout)
    if left <= 0:
        raise BudgetExhausted
    return left, budget_bound


@dataclass(frozen=True)
class _Repo:
    """What one check reads of a repo before git runs: its config and how git is called."""

    config: RepoConfig
    guard: RepoGuard
    # Config keys from outside the repo (the user's, and the guard's command scope): when
    # they touch branches or remotes, the ref files alone cannot say what git would.
    outside_keys: list[str]
    trusted: bool = False  # trust_repo_config: its own programs (a receivepack) may run

    @property
    def remotes(self) -> list[str]:
        return list(self.config.remotes())


def _prepare(path: Path, plan: CheckPlan, trust_config: bool) -> _Repo:
    """The repo's config, its environment for every git call."""
    config = load_repo_config(find_git_dir(path))
    elsewhere = config.worktree
    if elsewhere is not None and os.path.realpath(elsewhere) != os.path.realpath(path):
        # git would read and write that tree instead of the registered one.
        raise InspectError(f"its work tree is elsewhere: core.worktree is {elsewhere}")
    guard = guard_repo(config, path, trust=plan.trust, trusted=trust_config)
    outside = [key for key, _ in plan.trust.user.entries] + command_config_keys(guard.env)
    return _Repo(config, guard, outside, trust_config)


def _inspect(
    path: Path, plan: CheckPlan, repo: _Repo, elsewhere: frozenset[str] = frozenset()
) -> RepoState:
    with plan.local_slots or contextlib.nullcontext():
        # Capped once the slot is ours: the wait for it counts against the budget too.
        timeout, budget_bound = _capped(plan, plan.git_timeout)
        try:
            # A branch checked out in another registered worktree is that worktree's to
            # report (and, in fix mode, to push): listed here too, each would be reported
            # several times.
            state = inspect_repo(
                path,
                timeout=timeout,
                env=repo.guard.env,
                git_dir=repo.guard.git_dir,
                config=repo.config,
                outside_keys=repo.outside_keys,
                elsewhere=elsewhere,
                refs_from_files=plan.refs_from_files,
                status_args=repo.guard.status_args,
            )
        except GitTimeout:
            if budget_bound:
                raise BudgetExhausted from None
            raise InspectError(f"git status took longer than {plan.git_timeout:.0f}s") from None
    if not repo.guard.untrusted:
        return state  # nearly every repo: no copy of the state to make
    return replace(state, untrusted_config=repo.guard.untrusted)


def _fetch(path: Path, plan: CheckPlan, guard: RepoGuard, remotes: list[str]) -> Fetched:
    """Fetch findings (``fetch_failed``/``fetch_timeout``) and git's message."""
    timeout, budget_bound = _capped(plan, plan.fetch_timeout)
    outcome = fetch_all(
        path, timeout=timeout, env=guard.env, remotes=remotes, upload_packs=guard.upload_packs
    )
    if outcome.ok:
        return Fetched()
    if outcome.timed_out:
        if budget_bound:
            raise BudgetExhausted
        return Fetched(
            (Finding.FETCH_TIMEOUT.value,), f"fetch timed out after {plan.fetch_timeout:.0f}s"
        )
    return Fetched((Finding.FETCH_FAILED.value,), outcome.message, outcome.failed)


def _apply(path: Path, fix: Fix, plan: CheckPlan, repo: _Repo) -> GitResult:
    timeout, _ = _capped(plan, plan.fetch_timeout)
    guard = repo.guard
    try:
        if fix.kind is FixKind.FAST_FORWARD:
            return fast_forward(path, timeout=timeout, env=guard.env)
        return push_branch(
            path,
            fix.branch,
            timeout=timeout,
            env=guard.env,
            receive_packs=guard.receive_packs,
            trusted=repo.trusted,
        )
    except GitTimeout:
        raise BudgetExhausted from None


def _reconcile(
    path: Path,
    state: RepoState,
    plan: CheckPlan,
    allow_push: bool,
    elsewhere: frozenset[str],
    repo: _Repo,
) -> tuple[RepoState, list[str]]:
    fixes = plan_fixes(state, allow_push=allow_push)
    actions: list[str] = []
    for fix in fixes:
        if fix.kind is FixKind.PUSH and any(h.endswith("pre-push") for h in repo.guard.hooks):
            # The user's own `git push` would run that hook (git-lfs uploads objects there);
            # a push without it is not one they would have made.
            actions.append(f"refused to {fix.verb} {fix.branch}: its pre-push hook is not run")
            continue
        try:
            result = _apply(path, fix, plan, repo)
        except FixRefused as refused:
            actions.append(f"refused to {fix.verb} {fix.branch}: {refused}")
            continue
        except InspectError as exc:  # git could not say what the fix would change
            actions.append(f"failed to {fix.verb} {fix.branch}: {exc}")
            continue
        failed = f"failed to {fix.verb} {fix.branch}: {result.error_line()}"
        actions.append(fix.describe() if result.ok else failed)
    if fixes:
        # Report what is true now, not what was planned.
        state = _inspect(path, plan, repo, elsewhere)
    return state, actions


def check_group(
    members: Sequence[Member], *, plan: CheckPlan, on_done: Callable[[RepoCheck], None]
) -> list[RepoCheck]:
    """Check repos that share one git dir, one after the other, fetching it only once.

    One at a time, so that no two fix-mode writes (merge, push) to that git dir overlap.
    ``on_done`` gets each check as it finishes: those done before the deadline count even
    when the rest of the group runs out of budget.
    """
    checks = []
    fetched: Fetched | None = None
    heads = {m.name: checked_out_branch(Path(m.path)) for m in members} if len(members) > 1 else {}
    for member in members:
        elsewhere = frozenset(b for n, b in heads.items() if b is not None and n != member.name)
        check = check_repo(
            member.name,
            member.path,
            allow_push=member.allow_push,
            trust_config=member.trust_config,
            plan=plan,
            fetched=fetched,
            elsewhere=elsewhere,
        )
        fetched = fetched or check.fetched
        on_done(check)
        checks.append(check)
    return checks


def check_repo(
    name: str,
    path_text: str,
    *,
    allow_push: bool,
    plan: CheckPlan,
    fetched: Fetched | None = None,
    elsewhere: frozenset[str] = frozenset(),
    trust_config: bool = False,
) -> RepoCheck:
    """Check one repo; never raises for anything a repo can do to us.

    ``fetched``: what a fetch of its git dir already found in this sweep (another
    worktree of the same repository), so that it is not fetched again. ``elsewhere``:
    branches checked out in the other registered worktrees, which report them.
    ``trust_config``: the repo's own config may name programs that run (docs/security.md).
    """
    path = Path(path_text)
    check = RepoCheck(name=name, path=path_text, verdict=Verdict.BUDGET)
    try:
        if plan.deadline.expired():
            return check
        # A missing path raises FileNotFoundError here, a file NotAGitRepo: the stat of
        # its .git is the only one a healthy repo costs.
        repo = _prepare(path, plan, trust_config)
        if plan.fetch:
            check.fetched = fetched or _fetch(path, plan, repo.guard, repo.remotes)
            check.message = check.fetched.message
        fetch_findings = list(check.fetched.findings) if check.fetched else []
        inspected = _inspect(path, plan, repo, elsewhere)
        before = [f.value for f in findings_for(inspected)]
        state = inspected
        if plan.mode is Mode.FIX:
            state, check.actions = _reconcile(path, state, plan, allow_push, elsewhere, repo)
        after = before if state is inspected else [f.value for f in findings_for(state)]
        check.state = state
        check.findings = after + fetch_findings
        check.resolved = [f for f in before if f not in check.findings]
        needs_action = check.findings or check.actions
        check.verdict = Verdict.NEEDS_ACTION if needs_action else Verdict.CLEAN
    except BudgetExhausted:
        check.verdict = Verdict.BUDGET
    except FileNotFoundError:
        # Deleted while we were looking at it: git could not even chdir there.
        check.verdict = Verdict.MISSING
    except (NotAGitRepo, InspectError, PermissionError, GitTimeout) as exc:
        check.verdict = Verdict.ERROR
        check.message = str(exc)
    return _shown(check)


def _shown(check: RepoCheck) -> RepoCheck:
    """``check`` with its outcome made as the document and the records show it."""
    check.observed = observed_state(check.state) if check.state else None
    failed = check.fetched.failed if check.fetched else ()
    check.details = explained(
        check.findings, check.state, path=check.path, message=check.message, failed=failed
    )
    return check
