"""The sweep result document (design.md): the same JSON in the HTTP response,
the CLI's ``--json`` output, the progress event's payload and activity-core's
``context_snapshot``; and the errors that carry a result: one the store could not record,
one of a sweep that could not start.

Plain dataclasses, written by their own ``document()`` methods: the sweep builds one
``ObservedState`` per repo and the timer's ``--json`` prints the result, and pydantic's import
and validation were most of that start-up and per-repo cost. Documents read back (stored
events, spool files, the API's schema) are validated by pydantic in
``statehub.sweep.result_schema``, over these same classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Literal
from uuid import UUID

from statehub.errors import HomeUnusable, StoreUnavailable
from statehub.fleet.explain import Detail
from statehub.health import Health

EVENT_TYPE: Final = "consistency_sweep_remote_all"

# The readers' schema (statehub.sweep.result_schema, and FastAPI's OpenAPI) takes each field's
# description from the docstring under it: a plain dict, so this module imports no pydantic.
_DESCRIBED: Final = {"use_attribute_docstrings": True}


class Mode(StrEnum):
    WARN = "warn"  # fetch and report; never touch a work tree or a local branch
    FIX = "fix"  # also fast-forward / push where it is provably safe


def iso(moment: datetime) -> str:
    """A datetime as the document writes it: ISO 8601, UTC as ``Z`` (as pydantic wrote it)."""
    text = moment.isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


@dataclass(slots=True, kw_only=True)
class BranchSummary:
    name: str
    upstream: str | None
    ahead: int
    behind: int
    upstream_gone: bool = False

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "upstream": self.upstream,
            "ahead": self.ahead,
            "behind": self.behind,
            "upstream_gone": self.upstream_gone,
        }


@dataclass(slots=True, kw_only=True)
class ObservedState:
    """A repo's state as one inspection saw it."""

    __pydantic_config__ = _DESCRIBED

    branch: str | None
    """checked-out branch; null when HEAD is detached"""
    head: str | None
    """commit id of HEAD; null on an unborn branch"""
    upstream: str | None
    ahead: int
    behind: int
    staged: int
    modified: int
    untracked: int
    conflicted: int
    stashes: int
    operation: str | None
    """merge, rebase, cherry-pick, revert or bisect"""
    branches: list[BranchSummary] = field(default_factory=list)
    """other local branches that need action"""
    untrusted_config: list[str] = field(default_factory=list)
    """the repo's own keys and hooks that name programs (neutralised)"""

    def document(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "head": self.head,
            "upstream": self.upstream,
            "ahead": self.ahead,
            "behind": self.behind,
            "staged": self.staged,
            "modified": self.modified,
            "untracked": self.untracked,
            "conflicted": self.conflicted,
            "stashes": self.stashes,
            "operation": self.operation,
            "branches": [b.document() for b in self.branches],
            "untrusted_config": list(self.untrusted_config),
        }


@dataclass(slots=True, kw_only=True)
class RepoReport:
    """One repo that needs action."""

    __pydantic_config__ = _DESCRIBED

    name: str
    path: str
    findings: list[str]
    """what still needs action"""
    resolved: list[str] = field(default_factory=list)
    """findings fix mode cleared"""
    state: ObservedState | None
    actions: list[str] = field(default_factory=list)
    """what fix mode did"""
    message: str | None = None
    """e.g. why a fetch failed"""
    details: list[Detail] = field(default_factory=list)
    """one per finding: what it is about, what it means, the commands to go on"""

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "findings": list(self.findings),
            "resolved": list(self.resolved),
            "state": self.state.document() if self.state is not None else None,
            "actions": list(self.actions),
            "message": self.message,
            "details": [d.document() for d in self.details],
        }


@dataclass(slots=True, kw_only=True)
class RepoError:
    """A repo that could not be inspected."""

    name: str
    path: str
    message: str

    def document(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "message": self.message}


@dataclass(slots=True, kw_only=True)
class LockHolder:
    sweep_id: str | None
    pid: int | None
    started_at: datetime | None
    triggered_by: str | None
    host: str | None = None

    def document(self) -> dict[str, Any]:
        return {
            "sweep_id": self.sweep_id,
            "pid": self.pid,
            "started_at": iso(self.started_at) if self.started_at is not None else None,
            "triggered_by": self.triggered_by,
            "host": self.host,
        }


@dataclass(slots=True, kw_only=True)
class SweepResult:
    __pydantic_config__ = _DESCRIBED

    sweep_id: UUID
    event_type: Literal["consistency_sweep_remote_all"] = EVENT_TYPE
    triggered_by: str
    caller_run_id: str | None = None
    host: str
    mode: Mode
    fetch: bool = True
    """false for a --no-fetch local check"""
    max_seconds: float
    started_at: datetime
    finished_at: datetime
    duration_seconds: float
    lock_skipped: bool = False
    held_by: LockHolder | None = None
    exit_code: int
    repos_total: int
    repos_processed: list[RepoReport] = field(default_factory=list)
    skipped_clean: list[str] = field(default_factory=list)
    skipped_missing: list[str] = field(default_factory=list)
    skipped_budget: list[str] = field(default_factory=list)
    errors: list[RepoError] = field(default_factory=list)
    health: Health
    """ok: saw the whole fleet; degraded: ran but part of it went unseen; failed: could not run"""
    health_reasons: list[str] = field(default_factory=list)
    """one sentence per reason the sweep is not ok"""

    def document(self) -> dict[str, Any]:
        """The JSON-ready document, as pydantic dumped it (``mode="json"``): the same keys in
        the same order, UUIDs and enums as strings, datetimes as ``iso`` writes them, floats
        as floats (tests/sweep/test_result_document.py holds it to pydantic's dump)."""
        held_by = self.held_by
        return {
            "sweep_id": str(self.sweep_id),
            "event_type": self.event_type,
            "triggered_by": self.triggered_by,
            "caller_run_id": self.caller_run_id,
            "host": self.host,
            "mode": str(self.mode),
            "fetch": self.fetch,
            "max_seconds": float(self.max_seconds),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "duration_seconds": float(self.duration_seconds),
            "lock_skipped": self.lock_skipped,
            "held_by": held_by.document() if held_by is not None else None,
            "exit_code": self.exit_code,
            "repos_total": self.repos_total,
            "repos_processed": [r.document() for r in self.repos_processed],
            "skipped_clean": list(self.skipped_clean),
            "skipped_missing": list(self.skipped_missing),
            "skipped_budget": list(self.skipped_budget),
            "errors": [e.document() for e in self.errors],
            "health": str(self.health),
            "health_reasons": list(self.health_reasons),
        }

    def summary(self) -> str:
        """One line for logs and the progress event's ``summary`` column: for people to
        read, never parsed (the metrics count outcomes from the summary row's columns)."""
        if self.lock_skipped:
            holder = self.held_by.triggered_by if self.held_by else "another sweep"
            return f"lock skipped: held by {holder}"
        if self.health == Health.FAILED:
            return f"failed: {'; '.join(self.health_reasons)}"
        seen = "" if self.health == Health.OK else f" ({self.health})"
        # Counted as the terminal summary counts them: a failed fetch is not an "error" (the
        # repo was read), but saying "0 errors" while remotes failed misled operators.
        unfetched = sum(
            1 for r in self.repos_processed if {"fetch_failed", "fetch_timeout"} & set(r.findings)
        )
        return (
            f"{self.repos_total} repos: {len(self.repos_processed)} need action, "
            f"{len(self.skipped_clean)} clean, {len(self.skipped_missing)} missing, "
            f"{len(self.skipped_budget)} over budget, {unfetched} fetch failed, "
            f"{len(self.errors)} unreadable{seen}"
        )


class SweepNotRecorded(StoreUnavailable):
    """A sweep ran to its end, but recording its event failed.

    The sweep's work is done and its lock released; ``result`` is what it found, so
    the edges can still hand it to the caller (the CLI prints it, the API returns
    it with the 503) instead of losing it with the database; ``spooled_to`` is the
    spool file it waits in to be recorded.
    """

    def __init__(
        self,
        result: SweepResult,
        reason: str,
        *,
        spooled_to: Path | None = None,
        spool_error: str | None = None,
    ) -> None:
        # The cause first, as in every StoreUnavailable message; then what became of it.
        if spooled_to is not None:
            fate = (
                f"could not be recorded yet: it is spooled in {spooled_to} and will be recorded "
                "by the next sweep or server start that reaches the database"
            )
        elif spool_error is not None:
            fate = f"could not be recorded, nor spooled ({spool_error})"
        else:
            fate = "could not be recorded"
        super().__init__(f"{reason}; the sweep ran ({result.summary()}) but {fate}")
        self.result = result
        self.reason = reason
        self.spooled_to = spooled_to


class SweepCannotStart(HomeUnusable):
    """A sweep could not start: its home or lock file cannot be used.

    ``result`` is its ``failed`` document, recorded where the database allowed it.
    """

    def __init__(self, result: SweepResult, message: str) -> None:
        super().__init__(message)
        self.result = result
