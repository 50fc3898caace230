"""The sweep result document (design.md): the same JSON in the HTTP response,
the CLI's ``--json`` output, the progress event's payload and activity-core's
``context_snapshot``; and the errors that carry a result: one the store could not record,
one of a sweep that could not start."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from statehub.errors import HomeUnusable, StoreUnavailable
from statehub.fleet.explain import Detail
from statehub.health import Health, health_of

EVENT_TYPE: Final = "consistency_sweep_remote_all"


class Mode(StrEnum):
    WARN = "warn"  # fetch and report; never touch a work tree or a local branch
    FIX = "fix"  # also fast-forward / push where it is provably safe


class BranchSummary(BaseModel):
    name: str
    upstream: str | None
    ahead: int
    behind: int
    upstream_gone: bool = False


class ObservedState(BaseModel):
    """A repo's state as one inspection saw it."""

    branch: str | None = Field(description="checked-out branch; null when HEAD is detached")
    head: str | None = Field(description="commit id of HEAD; null on an unborn branch")
    upstream: str | None
    ahead: int
    behind: int
    staged: int
    modified: int
    untracked: int
    conflicted: int
    stashes: int
    operation: str | None = Field(description="merge, rebase, cherry-pick, revert or bisect")
    branches: list[BranchSummary] = Field(
        default_factory=list, description="other local branches that need action"
    )
    untrusted_config: list[str] = Field(
        default_factory=list,
        description="the repo's own keys and hooks that name programs (neutralised)",
    )


class RepoReport(BaseModel):
    """One repo that needs action."""

    name: str
    path: str
    findings: list[str] = Field(description="what still needs action")
    resolved: list[str] = Field(default_factory=list, description="findings fix mode cleared")
    state: ObservedState | None
    actions: list[str] = Field(default_factory=list, description="what fix mode did")
    message: str | None = Field(default=None, description="e.g. why a fetch failed")
    details: list[Detail] = Field(
        default_factory=list,
        description="one per finding: what it is about, what it means, the commands to go on",
    )


class RepoError(BaseModel):
    """A repo that could not be inspected."""

    name: str
    path: str
    message: str


class LockHolder(BaseModel):
    sweep_id: str | None
    pid: int | None
    started_at: datetime | None
    triggered_by: str | None
    host: str | None = None


class SweepResult(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    sweep_id: UUID
    event_type: Literal["consistency_sweep_remote_all"] = EVENT_TYPE
    triggered_by: str
    caller_run_id: str | None = None
    host: str
    mode: Mode
    fetch: bool = Field(True, description="false for a --no-fetch local check")
    max_seconds: float
    started_at: datetime
    finished_at: datetime
    duration_seconds: float
    lock_skipped: bool = False
    held_by: LockHolder | None = None
    exit_code: int
    repos_total: int
    repos_processed: list[RepoReport] = Field(default_factory=list)
    skipped_clean: list[str] = Field(default_factory=list)
    skipped_missing: list[str] = Field(default_factory=list)
    skipped_budget: list[str] = Field(default_factory=list)
    errors: list[RepoError] = Field(default_factory=list)
    health: Health = Field(
        description="ok: saw the whole fleet; degraded: ran but part of it went unseen; "
        "failed: could not run"
    )
    health_reasons: list[str] = Field(
        default_factory=list, description="one sentence per reason the sweep is not ok"
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_health(cls, data: Any) -> Any:
        # Events recorded before sweeps carried their health read as the rule would have said.
        if isinstance(data, dict) and "health" not in data:
            health, reasons, _ = health_of(data)
            return {**data, "health": health, "health_reasons": reasons}
        return data

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
