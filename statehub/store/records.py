"""What the store hands out and takes in about repos and their checks, as plain values: no
SQLAlchemy, so the sweep's path (``ledger``) and its spool use them without it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RepoRecord:
    id: int
    name: str
    path: str
    allow_push: bool
    source: str
    added_at: datetime
    last_checked_at: datetime | None
    last_changed_at: datetime | None
    last_state: dict[str, Any] | None
    last_findings: list[str]
    last_details: list[dict[str, Any]] = field(default_factory=list)
    last_fetch: dict[str, Any] | None = None
    trust_repo_config: bool = False  # the repo's own programs may run (docs/security.md)


@dataclass(frozen=True)
class SweepTarget:
    """A registered repo as a sweep takes it: what checking it needs, not its last state."""

    name: str
    path: str
    allow_push: bool
    trust_repo_config: bool  # the repo's own programs may run (docs/security.md)
    last_checked_at: datetime | None


@dataclass(frozen=True)
class Observation:
    """What one check saw that the history keeps."""

    status: str  # needs_action, clean, missing, error
    findings: list[str]
    heads: dict[str, str] = field(default_factory=dict)
    upstream_heads: dict[str, str | None] = field(default_factory=dict)

    def key(self) -> tuple[Any, ...]:
        return (self.status, list(self.findings), dict(self.heads), dict(self.upstream_heads))


@dataclass(frozen=True)
class CheckRecord:
    """What one check saw, for ``ledger.record_checks``."""

    name: str
    state: dict[str, Any] | None
    findings: list[str]
    # JSON-shaped already (dicts, lists, str), as the sweep builds them: stored as they are.
    details: list[dict[str, Any]] = field(default_factory=list)
    fetch: dict[str, Any] | None = None
    # What the history keeps; None: the status from the state, no heads.
    observation: Observation | None = None

    def observed(self) -> Observation:
        if self.observation is not None:
            return self.observation
        state = self.state or {}
        status = "missing" if state.get("missing") else "error" if "error" in state else None
        status = status or ("needs_action" if self.findings else "clean")
        return Observation(status=status, findings=list(self.findings))
