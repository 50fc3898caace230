"""Did the sweep see the fleet? The health rule (design.md "Health of a sweep"). Pure.

``exit_code`` says whether a sweep ran; ``health`` says whether it saw:

* ``ok`` — every registered repo that exists was inspected and every fetch succeeded
  (a lock skip is ok: the holder is the sweep that looks);
* ``degraded`` — it ran but part of the fleet went unseen: fetches that failed or timed
  out, repos it could not inspect or did not reach within the budget, a configuration
  problem. Each is one sentence in ``health_reasons``;
* ``failed`` — it could not run at all.

The rule reads a result document (a dict, as stored), so an event recorded before these
fields existed gets the same answer, derived, as it would have had.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# Enough names to act on from a phone; the document's lists hold all of them.
_NAMES_SHOWN = 5


class Health(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"


@dataclass(frozen=True)
class Observation:
    """What one sweep saw, reduced to what the health rule needs."""

    lock_skipped: bool = False
    failure: str | None = None  # why it could not run
    fetch: bool = True
    inspected: Sequence[str] = ()  # repos inspected (clean or needing action)
    fetch_failed: Sequence[str] = ()
    fetch_timed_out: Sequence[str] = ()
    errors: Sequence[str] = ()
    over_budget: Sequence[str] = ()
    max_seconds: float = 0.0
    config_problems: Sequence[str] = field(default_factory=tuple)

    @property
    def fetch_attempted(self) -> int:
        return len(self.inspected) if self.fetch else 0

    @property
    def fetched(self) -> int:
        """Repos whose every remote was fetched."""
        unfetched = len(set(self.fetch_failed) | set(self.fetch_timed_out))
        return self.fetch_attempted - unfetched


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    more = len(names) - _NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _repos(n: int) -> str:
    return f"{n} repo" if n == 1 else f"{n} repos"


def _fetch_reasons(seen: Observation) -> list[str]:
    unfetched = sorted(set(seen.fetch_failed) | set(seen.fetch_timed_out))
    if not unfetched:
        return []
    attempted = seen.fetch_attempted
    if seen.fetched == 0:
        head = f"no remote could be fetched (0 of {attempted})"
    else:
        head = f"{len(unfetched)} of {attempted} repos could not be fetched"
    kinds = []
    if seen.fetch_failed:
        kinds.append(f"{len(seen.fetch_failed)} failed")
    if seen.fetch_timed_out:
        kinds.append(f"{len(seen.fetch_timed_out)} timed out")
    return [f"{head}; {', '.join(kinds)}: {_names(unfetched)}"]


def assess(seen: Observation) -> tuple[Health, list[str]]:
    """The health of a sweep and the reasons for it (none when ok)."""
    if seen.failure is not None:
        return Health.FAILED, [seen.failure]
    if seen.lock_skipped:
        return Health.OK, []
    reasons = _fetch_reasons(seen)
    if seen.errors:
        reasons.append(f"{_repos(len(seen.errors))} could not be inspected: {_names(seen.errors)}")
    if seen.over_budget:
        reasons.append(
            f"{_repos(len(seen.over_budget))} not reached within the {seen.max_seconds:g}s "
            f"budget: {_names(seen.over_budget)}"
        )
    reasons.extend(seen.config_problems)
    return (Health.DEGRADED if reasons else Health.OK), reasons


# -- reading a stored document ---------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _processed(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = payload.get("repos_processed")
    return [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []


def _with_finding(processed: list[Mapping[str, Any]], finding: str) -> list[str]:
    return [
        str(r.get("name"))
        for r in processed
        if isinstance(r.get("findings"), list) and finding in r["findings"]
    ]


def observe(payload: Mapping[str, Any], config_problems: Sequence[str] = ()) -> Observation:
    """The observation behind a result document; tolerant of old and odd documents."""
    processed = _processed(payload)
    errors = payload.get("errors")
    error_names = (
        [str(e.get("name")) for e in errors if isinstance(e, Mapping)]
        if isinstance(errors, list)
        else []
    )
    max_seconds = payload.get("max_seconds")
    failed = payload.get("health") == Health.FAILED.value
    reasons = _strings(payload.get("health_reasons"))
    return Observation(
        lock_skipped=payload.get("lock_skipped") is True,
        failure=(reasons or ["the sweep could not run"])[0] if failed else None,
        fetch=payload.get("fetch") is not False,
        inspected=[str(r.get("name")) for r in processed] + _strings(payload.get("skipped_clean")),
        fetch_failed=_with_finding(processed, "fetch_failed"),
        fetch_timed_out=_with_finding(processed, "fetch_timeout"),
        errors=error_names,
        over_budget=_strings(payload.get("skipped_budget")),
        max_seconds=float(max_seconds) if isinstance(max_seconds, int | float) else 0.0,
        config_problems=tuple(config_problems),
    )


def health_of(payload: Mapping[str, Any]) -> tuple[Health, list[str], bool]:
    """A stored document's health and reasons, and whether they were derived (an event
    recorded before sweeps carried their health)."""
    recorded = payload.get("health")
    if isinstance(recorded, str) and recorded in {h.value for h in Health}:
        return Health(recorded), _strings(payload.get("health_reasons")), False
    health, reasons = assess(observe(payload))
    return health, reasons, True
