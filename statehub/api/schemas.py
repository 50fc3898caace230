"""Request bodies of the HTTP API, and the responses only the API gives (status, errors).

The documents the CLI prints too are ``statehub.documents``, ``statehub.sweep.result``
and ``statehub.cadence.document``: one model per record, whichever edge emits it.

Request bodies forbid unknown fields and take numbers and strings strictly, so
a typo or a wrong type is a 422 that names the field instead of a silent default.
Every string that reaches the database is kept free of NUL characters, which
PostgreSQL cannot store in text or JSONB.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from statehub.documents import SweepSummary
from statehub.health import Health as SweepHealth
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import EVENT_TYPE, LockHolder, Mode, SweepResult

EVENT_TYPE_PATTERN = r"^[a-z][a-z0-9_.-]{0,99}$"
TRIGGER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,99}$"
# Printable, no control characters: correlation ids end up in logs and SQL output.
RUN_ID_PATTERN = r"^[^\x00-\x1f\x7f]{1,200}$"
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_PAYLOAD_DEPTH = 32
MAX_SUMMARY_CHARS = 1000


class SweepStart(BaseModel):
    """``POST /consistency/sweep/remote-all``; every field is optional."""

    model_config = ConfigDict(extra="forbid")

    max_seconds: float | None = Field(
        default=None,
        ge=1,
        le=3600,
        allow_inf_nan=False,
        strict=True,
        description="wall-clock budget of the sweep (default: STATEHUB_DEFAULT_MAX_SECONDS, 300)",
    )
    mode: Mode = Field(default=Mode.WARN, description="warn: fetch and report; fix: safe fixes")
    triggered_by: str = Field(
        default="manual",
        pattern=TRIGGER_PATTERN,
        strict=True,
        description="who asked: activity-core, local-timer, manual, …",
    )
    caller_run_id: str | None = Field(
        default=None,
        pattern=RUN_ID_PATTERN,
        strict=True,
        description="the caller's id for correlation (activity-core's ActivityRun run_id)",
    )

    def to_request(self, default_max_seconds: float) -> SweepRequest:
        return SweepRequest(
            max_seconds=self.max_seconds if self.max_seconds is not None else default_max_seconds,
            mode=self.mode,
            triggered_by=self.triggered_by,
            caller_run_id=self.caller_run_id,
        )


class SweepStatus(BaseModel):
    """A sweep started with ``respond-async``: running, or finished with its result."""

    sweep_id: UUID
    status: Literal["running", "finished", "failed"]
    result: SweepResult | None = Field(
        default=None, description="the result document, once finished"
    )
    summary: str | None = Field(
        default=None,
        description="once finished: the one line recorded with its progress event "
        "(the dashboard shows it as it is)",
    )
    detail: str | None = Field(default=None, description="why it failed, when it did")
    spooled_to: str | None = Field(
        default=None,
        description="when it ran but could not be recorded: the spool file it waits in "
        "until a sweep or server start reaches the database",
    )


class ProgressEventIn(BaseModel):
    """An event from another producer (``POST /progress/``)."""

    model_config = ConfigDict(extra="forbid")

    event_type: str = Field(pattern=EVENT_TYPE_PATTERN, strict=True)
    summary: str = Field(default="", max_length=MAX_SUMMARY_CHARS, strict=True)
    payload: dict[str, Any] = Field(
        default_factory=dict, description=f"any JSON object up to {MAX_PAYLOAD_BYTES} bytes"
    )
    triggered_by: str | None = Field(default=None, pattern=TRIGGER_PATTERN, strict=True)

    @field_validator("event_type")
    @classmethod
    def _not_the_sweeps_own(cls, value: str) -> str:
        # Only the sweep records its own event type: a forged one would show
        # up as a sweep in /consistency/status and in activity-core's evidence.
        if value == EVENT_TYPE:
            raise ValueError(f"{EVENT_TYPE} events are recorded by the sweep itself")
        return value

    @field_validator("summary")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value

    @field_validator("payload")
    @classmethod
    def _storable(cls, value: dict[str, Any]) -> dict[str, Any]:
        _check_json_tree(value)
        # allow_nan=False: NaN and Infinity are not JSON, and JSONB refuses them.
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode())
        if size > MAX_PAYLOAD_BYTES:
            raise ValueError(f"is {size} bytes serialized; the limit is {MAX_PAYLOAD_BYTES}")
        return value


def _check_json_tree(root: dict[str, Any]) -> None:
    """Depth, NUL and finiteness checks, iteratively: a deep payload must not
    exhaust the stack here, nor later in ``json.dumps``."""
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_PAYLOAD_DEPTH:
            raise ValueError(f"nests deeper than {MAX_PAYLOAD_DEPTH} levels")
        if isinstance(node, dict):
            for key, child in node.items():
                if "\x00" in key:
                    raise ValueError("must not contain NUL characters")
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, str):
            if "\x00" in node:
                raise ValueError("must not contain NUL characters")
        elif isinstance(node, float) and not math.isfinite(node):
            raise ValueError("must not contain NaN or Infinity")


class LockState(BaseModel):
    held: bool
    holder: LockHolder | None = Field(description="who holds it (any process), when held")


class ConsistencyStatus(BaseModel):
    checked_at: datetime
    cadence_minutes: float
    grace_minutes: float
    overdue: bool = Field(
        description="no sweep that actually ran (not lock-skipped) within cadence + grace"
    )
    overdue_reason: str | None
    health: SweepHealth | None = Field(
        description="health of the newest sweep that was not a lock skip (null: none yet)"
    )
    health_reasons: list[str] = Field(description="why that sweep was not ok")
    last_sweep: SweepSummary | None = Field(description="the newest sweep event, any trigger")
    last_attempt: SweepSummary | None = Field(
        description="the newest sweep that was not lock-skipped (it ran, or failed to)"
    )
    last_completed: SweepSummary | None = Field(
        description="the newest sweep that ran (neither lock-skipped nor failed)"
    )
    last_by_trigger: dict[str, SweepSummary] = Field(description="keyed by triggered_by")
    lock: LockState
    running_here: list[UUID] = Field(description="sweeps this server is running now")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: Literal["ok", "unavailable"]


class ErrorBody(BaseModel):
    detail: str


class SweepUnavailableBody(ErrorBody):
    """503 from ``POST /consistency/sweep/remote-all``: the database is unavailable. When
    the sweep ran but could not be recorded, ``result`` is its result document."""

    result: SweepResult | None = None
    spooled_to: str | None = Field(
        default=None,
        description="the spool file the unrecorded sweep waits in until the next sweep or "
        "server start that reaches the database records it",
    )
