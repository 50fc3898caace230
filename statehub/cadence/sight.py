"""Did the sweeps that kept the cadence *see*? Per source, over the judged slots. Pure.

A slot attended by a sweep that could fetch nothing is on time and blind. Under systemd
the worker's service may lack the ssh agent the timer's has: every one of activity-core's
fetches fails, its sweeps still exit 0 and cover their slots, and attendance alone would
retire the timer on the strength of sweeps that saw nothing. So the verdict also compares
how much of the fleet each source's sweeps fetched, and refuses while the judged source
fetched materially less than the timer did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from statehub.cadence.marks import LOCAL_TIMER
from statehub.cadence.slots import Slot

# Fetch coverage the judged source may lag the timer's by before the verdict refuses: one
# flaky remote in a fleet of dozens is noise; a missing credential is most of the fleet.
MATERIAL = 0.10


@dataclass(frozen=True)
class SourceSight:
    source: str
    slots_ran: int = 0  # judged slots where a sweep of this source ran
    slots_degraded: int = 0  # of those, slots where none of its sweeps saw the whole fleet
    slots_blind: int = 0  # of those, slots where none of its sweeps could fetch anything
    fetched: int = 0  # repos fetched, over its sweeps that ran in judged slots
    fetch_attempted: int = 0

    @property
    def fetched_share(self) -> float | None:
        return self.fetched / self.fetch_attempted if self.fetch_attempted else None


def sight_by_source(judged: Sequence[Slot]) -> list[SourceSight]:
    """How much each source's sweeps saw, slot by slot, sorted by source."""
    sources = sorted({m.source for slot in judged for m in slot.marks if m.ran})
    sights = []
    for source in sources:
        ran_slots = [[m for m in s.marks if m.source == source and m.ran] for s in judged]
        ran_slots = [marks for marks in ran_slots if marks]
        sights.append(
            SourceSight(
                source=source,
                slots_ran=len(ran_slots),
                slots_degraded=sum(all(m.degraded for m in marks) for marks in ran_slots),
                slots_blind=sum(all(m.blind for m in marks) for marks in ran_slots),
                fetched=sum(m.fetched for marks in ran_slots for m in marks),
                fetch_attempted=sum(m.fetch_attempted for marks in ran_slots for m in marks),
            )
        )
    return sights


def _share(sight: SourceSight) -> str:
    share = sight.fetched_share or 0.0
    return f"{share:.0%} ({sight.fetched} of {sight.fetch_attempted} repo fetches)"


def sight_reasons(
    sights: Sequence[SourceSight], *, source: str, baseline: str = LOCAL_TIMER
) -> list[str]:
    """Why ``source``'s sweeps cannot stand in for ``baseline``'s yet (none when they can)."""
    by_source = {s.source: s for s in sights}
    judged, timer = by_source.get(source), by_source.get(baseline)
    if judged is None or timer is None:
        return []
    ours, theirs = judged.fetched_share, timer.fetched_share
    if ours is None or theirs is None or ours >= theirs - MATERIAL:
        return []
    blind = (
        f"; blind in {judged.slots_blind} of {judged.slots_ran} slots" if judged.slots_blind else ""
    )
    return [
        f"{source}'s sweeps fetched {_share(judged)} against {baseline}'s {_share(timer)}"
        f"{blind}: its environment may lack the timer's credentials (an ssh agent, "
        "SSH_AUTH_SOCK in statehub.service)"
    ]
