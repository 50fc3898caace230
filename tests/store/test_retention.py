"""Retention (statehub.store.retention): a prune deletes exactly what is older than the
cut-off, except the cadence window, the newest event of each kind and each repo's "since";
a dry run deletes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from sqlstore.database import in_session
from statehub.store import Store, ledger
from statehub.store.events import append_event, list_events
from statehub.store.history import held_since, list_changes
from statehub.store.models import SummaryRow
from statehub.store.records import Observation
from statehub.store.repos import add_repo
from statehub.store.retention import PRUNED_EVENT, prune, record_prune, since_boundary
from statehub.store.summaries import summaries_since
from testing.history import record_sweep

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
WINDOW = timedelta(days=31)  # the cadence verdict's longest window (cadence.history)


def _ago(days: float) -> datetime:
    return NOW - days * DAY


def _change(store: Store, repo_id: int, days: float, findings: list[str], head: str) -> None:
    with store.session() as db, in_session(db) as tx:
        ledger.record_changes(
            tx,
            observed_at=_ago(days),
            sweep_id=None,
            observations=[(repo_id, Observation("needs_action", findings, {"main": head}))],
        )


def _history(store: Store) -> dict[str, int]:
    """Two repos and a year of events; returns the repo ids by name."""
    with store.session() as db:
        behind = add_repo(db, name="behind", path="/src/behind").id
        moved = add_repo(db, name="moved", path="/src/moved").id
    # Behind since 100 days ago without a break, its heads moving under it.
    _change(store, behind, 100, ["behind"], "a1")
    _change(store, behind, 95, ["behind", "dirty"], "a2")
    _change(store, behind, 92, ["behind"], "a3")
    _change(store, behind, 10, ["behind"], "a4")
    # Dirty long ago, clean at 100 days, untracked files since 5 days.
    _change(store, moved, 120, ["dirty"], "b1")
    _change(store, moved, 110, ["dirty", "behind"], "b2")
    _change(store, moved, 100, [], "b3")
    _change(store, moved, 5, ["untracked"], "b4")
    with store.session() as db:
        for days in (200, 150):
            append_event(
                db, event_type="deploy", summary=f"{days}", payload={}, created_at=_ago(days)
            )
        record_sweep(db, triggered_by="local-timer", started_at=_ago(120))
        for days in (100, 95, 91, 60, 40, 20, 1):
            record_sweep(db, triggered_by="activity-core", started_at=_ago(days))
    return {"behind": behind, "moved": moved}


def _ages(store: Store) -> list[tuple[str, str | None, int]]:
    with store.reading() as db:
        events = list_events(db, limit=1000)
    return sorted((e.event_type, e.triggered_by, round((NOW - e.created_at) / DAY)) for e in events)


def test_it_deletes_what_is_older_than_the_cutoff_but_the_survivors(store: Store) -> None:
    repos = _history(store)
    with store.reading() as db:
        since_before = held_since(db, repo_id=repos["behind"])
    report = prune(store, now=NOW, older_than=90 * DAY, keep_window=WINDOW)

    assert _ages(store) == [
        ("consistency_sweep_remote_all", "activity-core", 1),
        ("consistency_sweep_remote_all", "activity-core", 20),
        ("consistency_sweep_remote_all", "activity-core", 40),
        ("consistency_sweep_remote_all", "activity-core", 60),
        # the newest of its kind, though 120 days old
        ("consistency_sweep_remote_all", "local-timer", 120),
        ("deploy", None, 150),  # the newest deploy; the one at 200 days went
    ]
    with store.reading() as db:
        behind = [
            (round((NOW - c.observed_at) / DAY)) for c in list_changes(db, repo_id=repos["behind"])
        ]
        moved = [
            (round((NOW - c.observed_at) / DAY)) for c in list_changes(db, repo_id=repos["moved"])
        ]
        since_after = held_since(db, repo_id=repos["behind"])
        summaries = db.scalars(select(SummaryRow.event_id)).all()
    # Behind since 100 days: every row of the run is kept, so it still says since then.
    assert behind == [10, 92, 95, 100]
    assert since_after == since_before == {"behind": _ago(100)}
    # Its run is the newest row alone; the row before it is kept for --changed.
    assert moved == [5, 100]
    assert (report.progress_events, report.sweep_summaries, report.repo_changes) == (4, 3, 2)
    assert (report.kept_events, report.kept_changes) == (2, 4)
    assert len(summaries) == 5  # one per sweep left


def test_it_never_prunes_inside_the_cadence_window(store: Store) -> None:
    _history(store)
    with store.reading() as db:
        in_window = summaries_since(db, NOW - WINDOW)
    report = prune(store, now=NOW, older_than=7 * DAY, keep_window=WINDOW)
    assert report.events_cutoff == NOW - WINDOW < report.cutoff
    with store.reading() as db:
        assert summaries_since(db, NOW - WINDOW) == in_window
    assert [age for kind, _, age in _ages(store) if kind != "deploy"] == [1, 20, 120]


def test_a_dry_run_deletes_nothing_and_counts_what_a_prune_would(store: Store) -> None:
    _history(store)
    before = _ages(store)
    dry = prune(store, now=NOW, older_than=90 * DAY, keep_window=WINDOW, dry_run=True)
    assert _ages(store) == before
    real = prune(store, now=NOW, older_than=90 * DAY, keep_window=WINDOW)
    counts = (dry.progress_events, dry.sweep_summaries, dry.repo_changes, dry.kept_changes)
    assert counts == (
        real.progress_events,
        real.sweep_summaries,
        real.repo_changes,
        real.kept_changes,
    )
    assert dry.document()["would_delete"] == real.document()["deleted"]


def test_a_prune_is_recorded_and_survives_the_next(store: Store) -> None:
    _history(store)
    report = prune(store, now=NOW, older_than=90 * DAY, keep_window=WINDOW)
    with store.session() as db:
        event = record_prune(db, report, triggered_by="cli")
    assert event.payload["deleted"] == {
        "progress_events": 4,
        "sweep_summaries": 3,
        "repo_changes": 2,
    }
    # A year later, it is the newest of its kind: kept.
    prune(store, now=NOW + 365 * DAY, older_than=90 * DAY, keep_window=WINDOW)
    with store.reading() as db:
        assert [e.id for e in list_events(db, event_type=PRUNED_EVENT)] == [event.id]


def test_since_boundary_keeps_the_run_and_the_newest_two() -> None:
    assert since_boundary([]) is None
    assert since_boundary([(9, [])]) == 9
    assert since_boundary([(9, []), (7, ["a"]), (5, ["a"])]) == 7
    assert since_boundary([(9, ["a"]), (7, ["a", "b"]), (5, ["b"]), (3, ["a"])]) == 7
    assert since_boundary([(9, ["a", "b"]), (7, ["b"]), (5, ["b", "c"]), (3, ["c"])]) == 5
