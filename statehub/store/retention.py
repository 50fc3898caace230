"""Retention: progress events and repo changes older than a cut-off are deleted, except
what the operator still reads.

What survives whatever the cut-off:

* the cadence verdict's window: no event newer than ``keep_window`` (the longest window
  the verdict reads) is deleted, so pruning never changes a verdict;
* the newest event of each kind (event type and caller), what ``GET /consistency/status``
  and ``statehub progress`` show, and the last sweep that ran and the last that completed;
* the sweeps' counts: each summary row deleted is added, per trigger and outcome, to the
  tally that ``statehub.store.sweep_totals`` keeps, so the counters /metrics exports never
  fall (Prometheus would read a reset);
* for each repo, its newest change row, the row before it (``--changed`` compares the two)
  and every row of the unbroken run that establishes since when its current findings have
  held (``history.held_since``): a repo behind for 100 days still says so after a prune at 90.

Deletes go in small batches, each its own short transaction, so a prune of a year's backlog
never holds SQLite's write lock long enough to stall a sweep recording beside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from statehub.store.database import Store
from statehub.store.events import ProgressEvent, append_event
from statehub.store.models import ChangeRow, EventRow, RepoRow, SummaryRow
from statehub.store.summaries import last_attempt, last_completed
from statehub.store.sweep_totals import delete_summaries

PRUNED_EVENT = "store_pruned"
BATCH = 500  # rows per delete transaction


@dataclass(frozen=True)
class PruneReport:
    """What a prune deleted (or, dry, would delete), per table, and where it cut."""

    older_than: timedelta
    cutoff: datetime  # now - older_than
    events_cutoff: datetime  # the same, or earlier to spare the cadence window
    dry_run: bool
    progress_events: int
    sweep_summaries: int
    repo_changes: int
    kept_events: int  # older than the cut-off, kept: the newest of their kind
    kept_changes: int  # older than the cut-off, kept: they establish a repo's "since"

    def sentence(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        spared = (
            ""
            if self.events_cutoff == self.cutoff
            else f"; events only before {self.events_cutoff:%Y-%m-%d %H:%M}, the cadence window"
        )
        return (
            f"{verb} {self.progress_events} events, {self.sweep_summaries} sweep summaries, "
            f"{self.repo_changes} repo changes older than {self.cutoff:%Y-%m-%d %H:%M} UTC"
            f"{spared}; kept {self.kept_events} older events (newest of their kind), "
            f"{self.kept_changes} older changes (a repo's current since)"
        )

    def document(self) -> dict[str, Any]:
        return {
            "older_than_seconds": int(self.older_than.total_seconds()),
            "cutoff": self.cutoff.isoformat(),
            "events_cutoff": self.events_cutoff.isoformat(),
            "dry_run": self.dry_run,
            "deleted" if not self.dry_run else "would_delete": {
                "progress_events": self.progress_events,
                "sweep_summaries": self.sweep_summaries,
                "repo_changes": self.repo_changes,
            },
            "kept": {"progress_events": self.kept_events, "repo_changes": self.kept_changes},
        }


# -- what survives ----------------------------------------------------------------------------


def kept_events(db: Session) -> set[int]:
    """The newest event of each (event type, caller), the last attempt and last completed."""
    newest = select(func.max(EventRow.id)).group_by(EventRow.event_type, EventRow.triggered_by)
    kept = set(db.scalars(newest))
    kept.update(s.event_id for s in (last_attempt(db), last_completed(db)) if s is not None)
    return kept


def since_boundary(findings_newest_first: Sequence[tuple[int, list[str]]]) -> int | None:
    """The oldest id a repo must keep: its newest two rows and the run ``held_since`` walks
    (rows, newest back, while the findings they all share are not empty). Pure."""
    if not findings_newest_first:
        return None
    boundary = findings_newest_first[min(1, len(findings_newest_first) - 1)][0]
    holding: set[str] | None = None
    for row_id, findings in findings_newest_first:
        holding = set(findings) if holding is None else holding & set(findings)
        if not holding:
            break
        boundary = min(boundary, row_id)
    return boundary


def _boundaries(db: Session) -> dict[int, int]:
    boundaries: dict[int, int] = {}
    for repo_id in db.scalars(select(RepoRow.id)):
        rows = db.execute(
            select(ChangeRow.id, ChangeRow.findings)
            .where(ChangeRow.repo_id == repo_id)
            .order_by(ChangeRow.id.desc())
        )
        found = since_boundary([(row_id, list(findings)) for row_id, findings in rows])
        if found is not None:
            boundaries[repo_id] = found
    return boundaries


# -- the prune --------------------------------------------------------------------------------


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _old_change_ids(db: Session, cutoff: datetime, boundaries: dict[int, int]) -> list[int]:
    ids: list[int] = []
    for repo_id, boundary in boundaries.items():
        ids.extend(
            db.scalars(
                select(ChangeRow.id).where(
                    ChangeRow.repo_id == repo_id,
                    ChangeRow.id < boundary,
                    ChangeRow.observed_at < cutoff,
                )
            )
        )
    return ids


def prune(
    store: Store,
    *,
    now: datetime,
    older_than: timedelta,
    keep_window: timedelta,
    dry_run: bool = False,
) -> PruneReport:
    """Delete (unless ``dry_run``) what is older than ``now - older_than`` but the survivors
    above; ``keep_window``: how far back the cadence verdict reads."""
    cutoff = now - older_than
    events_cutoff = min(cutoff, now - keep_window)
    with store.reading() as db:
        keep = kept_events(db)
        old_events = list(
            db.scalars(select(EventRow.id).where(EventRow.created_at < events_cutoff))
        )
        events = [event_id for event_id in old_events if event_id not in keep]
        summaries = [
            event_id
            for chunk in _chunks(events, BATCH)
            for event_id in db.scalars(
                select(SummaryRow.event_id).where(SummaryRow.event_id.in_(chunk))
            )
        ]
        boundaries = _boundaries(db)
        changes = _old_change_ids(db, cutoff, boundaries)
        old_changes = db.scalar(
            select(func.count()).select_from(ChangeRow).where(ChangeRow.observed_at < cutoff)
        )
    if not dry_run:
        for chunk in _chunks(changes, BATCH):
            with store.session() as db:
                db.execute(delete(ChangeRow).where(ChangeRow.id.in_(chunk)))
        for chunk in _chunks(events, BATCH):
            with store.session() as db:
                # Summaries first: named here rather than left to ON DELETE CASCADE, which
                # SQLite applies only with its foreign keys switched on; and counted into
                # the sweeps' tally in this same transaction, so /metrics never falls.
                delete_summaries(db, chunk)
                db.execute(delete(EventRow).where(EventRow.id.in_(chunk)))
    return PruneReport(
        older_than=older_than,
        cutoff=cutoff,
        events_cutoff=events_cutoff,
        dry_run=dry_run,
        progress_events=len(events),
        sweep_summaries=len(summaries),
        repo_changes=len(changes),
        kept_events=len(old_events) - len(events),
        kept_changes=(old_changes or 0) - len(changes),
    )


def record_prune(db: Session, report: PruneReport, *, triggered_by: str) -> ProgressEvent:
    """The prune's own progress event: the audit trail says what was deleted, and when."""
    return append_event(
        db,
        event_type=PRUNED_EVENT,
        summary=report.sentence(),
        payload=report.document(),
        triggered_by=triggered_by,
    )
