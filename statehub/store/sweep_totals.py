"""How many sweeps were recorded, by trigger and outcome, in a way that never goes down.

/metrics exports these as counters (``statehub_sweeps_total``), and Prometheus reads a
counter that falls as a reset: ``increase()`` after a daily prune would count the whole
remaining history as new sweeps. So the counts are the summary rows still stored *plus*
``pruned_sweep_totals``, the tally of the rows retention deleted: ``delete_summaries`` adds
to it in the transaction that deletes them, and nothing ever deletes from it.

The outcome is read from a row's columns (``lock_skipped``, then ``health``), never from the
wording of its ``summary``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import ColumnElement, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from statehub.digest import DEGRADED, FAILED, LOCK_SKIPPED, OK
from statehub.store.models import PrunedSweepTotalRow, SummaryRow

Key = tuple[str | None, str]  # (triggered_by, outcome)

# The tally's trigger for a sweep recorded without one (its key column cannot be NULL).
_UNTAGGED = ""


def outcome_column() -> ColumnElement[str]:
    """A summary row's outcome, as SQL: one of ``statehub.digest.OUTCOMES``."""
    return case(
        (SummaryRow.lock_skipped.is_(True), LOCK_SKIPPED),
        (SummaryRow.health == FAILED, FAILED),
        (SummaryRow.health == DEGRADED, DEGRADED),
        else_=OK,
    )


def pruned_totals(db: Session) -> dict[Key, int]:
    """What retention deleted, per (triggered_by, outcome): a few rows, read whole."""
    rows = db.execute(
        select(PrunedSweepTotalRow.trigger, PrunedSweepTotalRow.outcome, PrunedSweepTotalRow.sweeps)
    )
    return {(trigger or None, outcome): sweeps for trigger, outcome, sweeps in rows}


def delete_summaries(db: Session, event_ids: Sequence[int]) -> int:
    """Delete the summary rows of ``event_ids`` and add them to the tally; how many went.

    The tally counts what the DELETE itself returned, not what a read before it saw: two
    prunes racing over the same rows (the server's and the CLI's) then count each row once,
    as only one of them deletes it."""
    deleted = db.execute(
        delete(SummaryRow)
        .where(SummaryRow.event_id.in_(event_ids))
        .returning(SummaryRow.triggered_by, outcome_column())
    ).all()
    _add_to_tally(db, Counter((trigger, outcome) for trigger, outcome in deleted))
    return len(deleted)


def _add_to_tally(db: Session, pruned: Counter[Key]) -> None:
    if not pruned:
        return
    # Sorted: concurrent prunes on PostgreSQL lock the tally's rows in the same order.
    rows = [
        {"trigger": trigger or _UNTAGGED, "outcome": outcome, "sweeps": sweeps}
        for (trigger, outcome), sweeps in sorted(
            pruned.items(), key=lambda item: (item[0][0] or _UNTAGGED, item[0][1])
        )
    ]
    keys = [PrunedSweepTotalRow.trigger, PrunedSweepTotalRow.outcome]
    if db.get_bind().dialect.name == "postgresql":
        on_pg = postgresql.insert(PrunedSweepTotalRow)
        added = PrunedSweepTotalRow.sweeps + on_pg.excluded.sweeps
        db.execute(on_pg.on_conflict_do_update(index_elements=keys, set_={"sweeps": added}), rows)
    else:
        on_sqlite = sqlite.insert(PrunedSweepTotalRow)
        added = PrunedSweepTotalRow.sweeps + on_sqlite.excluded.sweeps
        db.execute(
            on_sqlite.on_conflict_do_update(index_elements=keys, set_={"sweeps": added}), rows
        )
