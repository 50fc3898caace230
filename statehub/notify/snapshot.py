"""What a metrics scrape knows: the sweeps recorded and the fleet as last seen. Pure data.

``scrape`` fills it from the store; ``metrics`` turns it into Prometheus families.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# A sweep's outcome, the `outcome` label of statehub_sweeps_total (named with the digest,
# which the store's count of them reads too).
from statehub.digest import DEGRADED, FAILED, LOCK_SKIPPED, OK, OUTCOMES

__all__ = ["DEGRADED", "FAILED", "LOCK_SKIPPED", "OK", "OUTCOMES", "LastSweep", "Snapshot"]


@dataclass(frozen=True)
class LastSweep:
    """The newest recorded sweep that ran (not a lock skip; a failed one counts)."""

    finished_at: datetime
    duration_seconds: float | None
    fetch_failures: int  # repos whose fetch failed or timed out


@dataclass(frozen=True)
class Snapshot:
    sweeps: dict[tuple[str, str], int] = field(default_factory=dict)  # (trigger, outcome)
    last_run: LastSweep | None = None
    last_success_at: datetime | None = None  # the newest sweep that ran with health ok
    repos_registered: int = 0
    repos_needing_action: int = 0
    repos_by_finding: dict[str, int] = field(default_factory=dict)
