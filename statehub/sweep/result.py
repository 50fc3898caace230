"""The sweep result document (design.md): the same JSON in the HTTP response,
the CLI's ``--json`` output, the progress event's payload and activity-core's
``context_snapshot``; and the error that carries a result the store could not record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from statehub.errors import StoreUnavailable

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


class RepoReport(BaseModel):
    """One repo that needs action."""

    name: str
    path: str
    findings: list[str] = Field(description="what still needs action")
    resolved: list[str] = Field(default_factory=list, description="findings fix mode cleared")
    state: ObservedState | None
    actions: list[str] = Field(default_factory=list, description="what fix mode did")
    message: str | None = Field(default=None, description="e.g. why a fetch failed")


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

    def summary(self) -> str:
        """One line for logs and the progress event's ``summary`` column."""
        if self.lock_skipped:
            holder = self.held_by.triggered_by if self.held_by else "another sweep"
            return f"lock skipped: held by {holder}"
        return (
            f"{self.repos_total} repos: {len(self.repos_processed)} need action, "
            f"{len(self.skipped_clean)} clean, {len(self.skipped_missing)} missing, "
            f"{len(self.skipped_budget)} over budget, {len(self.errors)} errors"
        )


class SweepNotRecorded(StoreUnavailable):
    """A sweep ran to its end, but recording its event failed.

    The sweep's work is done and its lock released; ``result`` is what it found, so
    the edges can still hand it to the caller (the CLI prints it, the API returns
    it with the 503) instead of losing it with the database.
    """

    def __init__(self, result: SweepResult, reason: str) -> None:
        # The cause first, as in every StoreUnavailable message; then what was lost.
        super().__init__(f"{reason}; the sweep ran ({result.summary()}) but could not be recorded")
        self.result = result
