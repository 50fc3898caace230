"""What a metrics scrape reads from the store: one ``Snapshot`` of the sweeps and the fleet.

Read at scrape time, so a sweep run by the CLI or the local timer counts exactly as one run
by the server. A scrape comes every 15 to 60 seconds, for the whole life of the server,
while ~100 sweeps a day are recorded, each with its whole result document; so the counters
are one aggregate over the sweeps' summary rows (trigger, ``lock_skipped``, ``health``;
``statehub.store.sweep_totals``), never a payload, plus the small tally of the rows
retention deleted, so a prune never makes a counter fall. The newest sweep that ran gives
its duration and fetch failures from its summary row too. And the totals are kept between
scrapes while no summary row was added or removed (``SweepTotalsCache``).

Sweeps recorded before they carried their health have it derived by the health rule (the
digest did, when migration 0004 wrote their rows), as the cadence pages derive it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from statehub.cadence.marks import UNTAGGED
from statehub.errors import StoreError
from statehub.notify.snapshot import LOCK_SKIPPED, OK, LastSweep, Snapshot
from statehub.store import Store
from statehub.store.models import RepoRow, SummaryRow
from statehub.store.sweep_totals import outcome_column, pruned_totals
from statehub.sweep.lock import is_held


@dataclass(frozen=True)
class SweepTotals:
    sweeps: dict[tuple[str, str], int]  # (trigger, outcome) -> sweeps
    last_run_id: int | None
    last_success_at: datetime | None


class SweepTotalsCache:
    """The sweep totals of the last scrape, kept while no summary row was added or removed.

    A sweep every 15 minutes and a scrape every 15 seconds: 59 scrapes in 60 find the same
    rows. Their newest event id and their number (both read from the primary key's index)
    tell whether anything changed: an append raises the id, a prune lowers the count (and
    adds to the tally in the same transaction, so the tally never changes unseen).
    One per app; a race between two scrapes only computes the same totals twice.
    """

    def __init__(self) -> None:
        self._cached: tuple[tuple[int | None, int], SweepTotals] | None = None

    def totals(self, db: Session) -> SweepTotals:
        newest, count = db.execute(
            select(func.max(SummaryRow.event_id), func.count()).select_from(SummaryRow)
        ).one()
        key = (newest, count)
        cached = self._cached
        if cached is not None and cached[0] == key:
            return cached[1]
        totals = _sweep_counts(db)
        self._cached = (key, totals)
        return totals


def read_snapshot(store: Store, cache: SweepTotalsCache | None = None) -> Snapshot:
    """Everything a scrape exports but the lock. Raises StoreError when the store is down."""
    try:
        with store.reading() as db:
            totals = (cache or SweepTotalsCache()).totals(db)
            newest = totals.last_run_id
            last_run = _last_sweep(db, newest) if newest is not None else None
            registered, needing_action, by_finding = _fleet(db)
    except SQLAlchemyError as exc:
        # What the store did not already translate (it maps "unavailable"): still a store
        # problem to the collector, which then answers statehub_up 0, not a 500.
        raise StoreError(f"reading the store failed: {str(exc).strip().splitlines()[0]}") from exc
    return Snapshot(
        sweeps=totals.sweeps,
        last_run=last_run,
        last_success_at=totals.last_success_at,
        repos_registered=registered,
        repos_needing_action=needing_action,
        repos_by_finding=by_finding,
    )


def lock_held(lock_path: Path) -> bool:
    """Whether a sweep holds the lock now; only looks, so a scrape never makes a sweep skip."""
    return is_held(lock_path)


def _sweep_counts(db: Session) -> SweepTotals:
    outcome = outcome_column().label("outcome")
    query = select(
        SummaryRow.triggered_by,
        outcome,
        func.count(),
        func.max(SummaryRow.event_id),
        func.max(SummaryRow.created_at),
    ).group_by(SummaryRow.triggered_by, outcome)
    counts: Counter[tuple[str, str]] = Counter()
    last_run_id: int | None = None
    last_success_at: datetime | None = None
    for trigger, kind, count, newest_id, newest_at in db.execute(query):
        counts[(trigger or UNTAGGED, kind)] += count
        if kind == LOCK_SKIPPED:
            continue
        last_run_id = max(newest_id, last_run_id or newest_id)
        if kind == OK and (last_success_at is None or newest_at > last_success_at):
            last_success_at = newest_at
    # What retention deleted still counts: a counter that fell would read as a reset.
    for (trigger, kind), count in pruned_totals(db).items():
        counts[(trigger or UNTAGGED, kind)] += count
    return SweepTotals(dict(counts), last_run_id, last_success_at)


def _last_sweep(db: Session, event_id: int) -> LastSweep | None:
    row = db.execute(
        select(
            SummaryRow.created_at,
            SummaryRow.duration_seconds,
            SummaryRow.fetch_attempted,
            SummaryRow.fetched,
        ).where(SummaryRow.event_id == event_id)
    ).first()
    if row is None:  # pruned between the two reads
        return None
    finished_at, duration, attempted, fetched = row
    # The summary row's counts are the payload's (statehub.digest): the repos whose fetch
    # was attempted less those whose every remote was fetched are the ones that failed.
    return LastSweep(
        finished_at=finished_at, duration_seconds=duration, fetch_failures=attempted - fetched
    )


def _fleet(db: Session) -> tuple[int, int, dict[str, int]]:
    """Repos registered, those needing action and per finding, as their last check saw them.

    Only the findings column is read: the fleet is hundreds of rows, their states are not."""
    by_finding: Counter[str] = Counter()
    registered = needing_action = 0
    for (findings,) in db.execute(select(RepoRow.last_findings)):
        registered += 1
        codes = set(findings or ())
        needing_action += bool(codes)
        by_finding.update(codes)
    return registered, needing_action, dict(by_finding)
