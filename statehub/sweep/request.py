"""What a caller asks of one sweep: the engine's input, kept apart from the engine so that
the result document (``document``) and the callers (API, CLI) can name it without importing
the engine, and no import cycle runs through ``engine``."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID, uuid4

from statehub.sweep.result import Mode


@dataclass(frozen=True)
class SweepRequest:
    """What a caller asks of one sweep."""

    max_seconds: float = 300.0
    mode: Mode = Mode.WARN
    triggered_by: str = "manual"
    caller_run_id: str | None = None
    fetch: bool = True
    sweep_id: UUID = field(default_factory=uuid4)
