"""Assemble the sweep result document from the repo checks (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from statehub.health import Health, Observation, assess
from statehub.sweep.check import RepoCheck, Verdict
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import (
    LockHolder,
    Mode,
    RepoError,
    RepoReport,
    SweepResult,
)


def _report(check: RepoCheck) -> RepoReport:
    return RepoReport(
        name=check.name,
        path=check.path,
        findings=check.findings,
        resolved=check.resolved,
        state=check.observed,
        actions=check.actions,
        message=check.message,
        details=check.details,
    )


def exit_code_for(mode: Mode, checks: list[RepoCheck]) -> int:
    """0 for every warn sweep; in fix mode 1 while findings or errors remain."""
    if mode is Mode.WARN:
        return 0
    unresolved = any(
        (c.verdict is Verdict.NEEDS_ACTION and c.findings) or c.verdict is Verdict.ERROR
        for c in checks
    )
    return 1 if unresolved else 0


def observation(
    request: SweepRequest, checks: list[RepoCheck], config_problems: Sequence[str] = ()
) -> Observation:
    """What the health rule needs of the checks (``health.observe`` reads the same from a
    stored document)."""

    def with_finding(finding: str) -> list[str]:
        return [
            c.name for c in checks if c.verdict is Verdict.NEEDS_ACTION and finding in c.findings
        ]

    return Observation(
        fetch=request.fetch,
        inspected=[c.name for c in checks if c.verdict in (Verdict.CLEAN, Verdict.NEEDS_ACTION)],
        fetch_failed=with_finding("fetch_failed"),
        fetch_timed_out=with_finding("fetch_timeout"),
        errors=[c.name for c in checks if c.verdict is Verdict.ERROR],
        over_budget=[c.name for c in checks if c.verdict is Verdict.BUDGET],
        max_seconds=request.max_seconds,
        config_problems=tuple(config_problems),
    )


def _common(
    request: SweepRequest, *, host: str, started_at: datetime, finished_at: datetime
) -> dict[str, Any]:
    """The fields every result document has, whether it swept or skipped."""
    return {
        "sweep_id": request.sweep_id,
        "triggered_by": request.triggered_by,
        "caller_run_id": request.caller_run_id,
        "host": host,
        "mode": request.mode,
        "fetch": request.fetch,
        "max_seconds": request.max_seconds,
        "started_at": started_at,
        "finished_at": finished_at,
        "duration_seconds": round((finished_at - started_at).total_seconds(), 3),
    }


def build_result(
    request: SweepRequest,
    *,
    host: str,
    started_at: datetime,
    finished_at: datetime,
    repos_total: int,
    checks: list[RepoCheck],
    config_problems: Sequence[str] = (),
) -> SweepResult:
    def names(verdict: Verdict) -> list[str]:
        return [c.name for c in checks if c.verdict is verdict]

    health, reasons = assess(observation(request, checks, config_problems))
    return SweepResult(
        **_common(request, host=host, started_at=started_at, finished_at=finished_at),
        exit_code=exit_code_for(request.mode, checks),
        repos_total=repos_total,
        repos_processed=[_report(c) for c in checks if c.verdict is Verdict.NEEDS_ACTION],
        skipped_clean=names(Verdict.CLEAN),
        skipped_missing=names(Verdict.MISSING),
        skipped_budget=names(Verdict.BUDGET),
        errors=[
            RepoError(name=c.name, path=c.path, message=c.message or "unknown error")
            for c in checks
            if c.verdict is Verdict.ERROR
        ],
        health=health,
        health_reasons=reasons,
    )


def lock_skipped_result(
    request: SweepRequest,
    *,
    host: str,
    started_at: datetime,
    finished_at: datetime,
    held_by: LockHolder,
    repos_total: int,
) -> SweepResult:
    return SweepResult(
        **_common(request, host=host, started_at=started_at, finished_at=finished_at),
        lock_skipped=True,
        held_by=held_by,
        exit_code=0,
        repos_total=repos_total,
        health=Health.OK,
    )


# The CLI's status for "the sweep could not run" (and the database's, which it shares).
EXIT_COULD_NOT_RUN = 3


def failed_result(
    request: SweepRequest,
    *,
    host: str,
    started_at: datetime,
    finished_at: datetime,
    reason: str,
    repos_total: int = 0,
) -> SweepResult:
    """The document of a sweep that could not run: nothing swept, ``health`` failed."""
    return SweepResult(
        **_common(request, host=host, started_at=started_at, finished_at=finished_at),
        exit_code=EXIT_COULD_NOT_RUN,
        repos_total=repos_total,
        health=Health.FAILED,
        health_reasons=[reason],
    )
