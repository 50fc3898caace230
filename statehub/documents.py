"""The JSON document of each record State Hub shows: one pydantic model per record, emitted
alike by the API's responses and the CLI's ``--json``.

Here: a progress event, a registered repo, and a recorded sweep as the status page sums it
up. Two more documents live with their idea: the sweep result (``statehub.sweep.result``)
and the cadence verdict (``statehub.cadence.document``). This module imports only pydantic,
so the CLI can print these without loading FastAPI; ``api/`` and ``cli/`` import it, and it
imports neither.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ProgressEventOut(BaseModel):
    """``GET /progress/`` and ``statehub progress --json``: one recorded event."""

    # Built straight from the store's ProgressEvent (a dataclass with these attributes).
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_type: str
    created_at: datetime
    triggered_by: str | None
    sweep_id: str | None
    summary: str
    payload: dict[str, Any]


class RepoOut(BaseModel):
    """``GET /repos`` and ``statehub repos list --json``: a repo and its last observation."""

    # Built from the store's RepoRecord; its database id is not part of the document.
    model_config = ConfigDict(from_attributes=True)

    name: str
    path: str
    allow_push: bool
    trust_repo_config: bool = False  # the repo's own programs may run (docs/security.md)
    source: str
    added_at: datetime
    last_checked_at: datetime | None
    last_changed_at: datetime | None
    last_state: dict[str, Any] | None
    last_findings: list[str]


class SweepSummary(BaseModel):
    """One recorded sweep, as the status page needs it."""

    event_id: int
    sweep_id: str | None
    triggered_by: str | None
    caller_run_id: str | None
    finished_at: datetime
    age_seconds: float
    lock_skipped: bool
    exit_code: int | None
    health: Literal["ok", "degraded", "failed"] = Field(
        description="ok, degraded (ran but did not see all of the fleet) or failed"
    )
    health_reasons: list[str]
    health_derived: bool = Field(
        description="true for an event recorded before sweeps carried their health: "
        "derived from its document by the same rule"
    )
    summary: str
