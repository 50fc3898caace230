"""The hot reads use their indexes, so they stay fast at a million events.

A plan is checked rather than a timing: timings flake, and the plan is what
makes "newest N of type T" cost the same at 10 rows and at 1,000,000.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from statehub.store import Store
from statehub.store.events import append_event, list_events


def _plan(db: Session, statement: str) -> str:
    if db.get_bind().dialect.name == "sqlite":
        rows = db.execute(text(f"EXPLAIN QUERY PLAN {statement}")).all()
        return "\n".join(str(row[-1]) for row in rows)
    # With a handful of rows PostgreSQL rightly prefers a sequential scan; forbid it
    # to see which index plan it would use at scale.
    db.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in db.execute(text(f"EXPLAIN {statement}")))


def test_newest_events_of_a_type_walk_the_index_without_sorting(store: Store) -> None:
    with store.session() as db:
        for i in range(20):
            append_event(db, event_type=f"type{i % 3}", summary="s", payload={})
        db.execute(text("ANALYZE"))
    with store.session() as db:
        for before_id in (None, 10):
            plan = _plan(
                db,
                "SELECT * FROM progress_events WHERE event_type = 'type1'"
                + (f" AND id < {before_id}" if before_id else "")
                + " ORDER BY id DESC LIMIT 20",
            )
            assert "ix_progress_events_event_type_id" in plan, plan
            assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
        assert len(list_events(db, event_type="type1")) == 7
