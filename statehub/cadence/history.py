"""Store reads: the recorded sweeps of a window, as marks, and their verdict (the I/O edge).

A week at 15 minutes is ~700 slots; with both callers and their lock skips that
is 1,400 to 2,000 sweeps. They are read from their summary rows (``sweep_summaries``,
a few hundred bytes each, never the payloads of whole sweep results), a page at a time,
newest first, through the index on created_at, so memory stays bounded by one page
whatever the window; the window itself is capped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from statehub.cadence.marks import ACTIVITY_CORE, SweepMark, mark_from_digest
from statehub.cadence.verdict import DEFAULT_EVERY, DEFAULT_TOLERANCE, CadenceVerdict, judge
from statehub.store import Store
from statehub.store.summaries import summaries_since

PAGE = 200
MAX_WINDOW = timedelta(days=31)
MAX_SLOTS = 20_000  # a month at 15 min is 2,976; a week at 1 min 10,080


def iter_marks(db: Session, *, since: datetime, page: int = PAGE) -> Iterator[SweepMark]:
    """Marks of every sweep recorded at or after ``since``, newest first, a page at a time."""
    before: int | None = None
    while True:
        rows = summaries_since(db, since, limit=page, before_id=before)
        yield from (mark_from_digest(row) for row in rows)
        if len(rows) < page:
            return
        before = rows[-1].event_id


def window_verdict(
    store: Store,
    *,
    now: datetime,
    window: timedelta,
    every: timedelta = DEFAULT_EVERY,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    source: str = ACTIVITY_CORE,
) -> CadenceVerdict:
    """The verdict for [now - window, now). Raises ValueError for a window it will not read."""
    if window <= timedelta(0) or window > MAX_WINDOW:
        raise ValueError(f"the window must be between 1s and {MAX_WINDOW.days}d, got {window}")
    if every <= timedelta(0) or window / every > MAX_SLOTS:
        raise ValueError(
            f"{window} at every {every} is more than {MAX_SLOTS} slots: use a longer --every"
        )
    # Also keeps slot arithmetic inside datetime's range (year 9999); judge() holds the
    # tolerance below every.
    if every > window:
        raise ValueError(f"every ({every}) must not be longer than the window ({window})")
    start = now - window
    # created_at (when a sweep was recorded) is never before its started_at, so
    # since=start finds every sweep that started in the window; bucket() drops
    # the few that started earlier and finished inside it.
    with store.reading() as db:
        marks = list(iter_marks(db, since=start))
    return judge(marks, start=start, end=now, every=every, tolerance=tolerance, source=source)
