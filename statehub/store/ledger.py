"""The sweep's own reads and writes, as plain DB-API statements SQLite and PostgreSQL share.

A sweep reads the fleet stalest first (or only counts it, for a lock skip), and writes, in one
transaction, every repo's last observed state, the history rows of the repos whose findings
or heads changed, its progress event and the event's summary row; the spool's drain asks
whether a sweep is recorded already. That is all of it, and it runs every few minutes: so it
is written here once, on ``sqlstore.dbapi`` transactions, instead of through SQLAlchemy,
whose import alone cost the timer's sweep more than the sweep (issue 15) and whose ORM made
recording a 1,000-repo sweep take a fifth of a second. Values are stored exactly as the ORM
stores them (``sqlstore.types``), so every ORM reader (``repos``, ``history``, ``events``,
``summaries``, the API) reads these rows as its own. This module imports no SQLAlchemy (an
import-linter contract says so).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlstore.dbapi import Transaction, dump_json, placeholders, statement
from statehub.digest import SWEEP_EVENT, SweepDigest, digest
from statehub.store.records import CheckRecord, Observation, SweepTarget

# Well under SQLite's oldest bound-parameter limit (999).
NAMES_PER_QUERY = 900

_STALEST_FIRST = statement(
    # Only what checking needs: decoding every repo's last state, findings, details and
    # fetch outcome here cost the sweep 20-40 ms per 1,000 repos before its first git ran.
    "SELECT name, path, allow_push, trust_repo_config, last_checked_at FROM repos "
    # NULLS FIRST spelled portably: the two dialects disagree on the default.
    "ORDER BY last_checked_at IS NOT NULL, last_checked_at, name"
)
_COUNT = statement("SELECT count(*) FROM repos")
_RECORDED = statement("SELECT 1 FROM progress_events WHERE sweep_id = :sweep_id LIMIT 1")
_CHECKED = statement(
    "UPDATE repos SET last_checked_at = :checked_at, last_details = :details, "
    "last_fetch = :fetch WHERE id = :id",
    json=("details", "fetch"),
)
_CHANGED = statement(
    "UPDATE repos SET last_checked_at = :checked_at, last_details = :details, "
    "last_fetch = :fetch, last_changed_at = :checked_at, last_state = :state, "
    "last_findings = :findings WHERE id = :id",
    json=("details", "fetch", "state", "findings"),
)
_CHANGE = statement(
    "INSERT INTO repo_changes (repo_id, observed_at, sweep_id, status, findings, heads, "
    "upstream_heads) VALUES (:repo_id, :observed_at, :sweep_id, :status, :findings, :heads, "
    ":upstream_heads)",
    json=("findings", "heads", "upstream_heads"),
)
_EVENT = statement(
    "INSERT INTO progress_events (event_type, created_at, triggered_by, sweep_id, summary, "
    "payload) VALUES (:event_type, :created_at, :triggered_by, :sweep_id, :summary, :payload) "
    "RETURNING id",
    json=("payload",),
)
_SUMMARY_COLUMNS = list(SweepDigest.__dataclass_fields__)
_SUMMARY_JSON = ("health_reasons", "findings")
_SUMMARY_TIMES = ("created_at", "started_at", "finished_at")
_SUMMARY = statement(
    f"INSERT INTO sweep_summaries ({', '.join(_SUMMARY_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _SUMMARY_COLUMNS)})",
    json=_SUMMARY_JSON,
)


def list_repos_stalest_first(tx: Transaction) -> list[SweepTarget]:
    """Never-checked repos first, then least recently checked; ties by name.

    The sweep takes repos in this order so that consecutive budget-limited
    sweeps cover the whole fleet.
    """
    return [
        SweepTarget(name, path, bool(allow_push), bool(trust), tx.time_of(checked))
        for name, path, allow_push, trust, checked in tx.rows(_STALEST_FIRST)
    ]


def count_repos(tx: Transaction) -> int:
    return int(tx.scalar(_COUNT) or 0)


def sweep_recorded(tx: Transaction, *, sweep_id: str) -> bool:
    """Whether the sweep's event is stored (the spool's "recorded already?")."""
    return tx.scalar(_RECORDED, {"sweep_id": sweep_id}) is not None


def record_checks(
    tx: Transaction,
    *,
    checked_at: datetime,
    checks: Sequence[CheckRecord],
    sweep_id: str | None = None,
) -> None:
    """Every check of a sweep, a chunk of names at a time: one SELECT, then UPDATEs by
    primary key (``last_changed_at`` moves only when the state or the findings differ),
    and a history row for each repo whose findings or heads changed.

    Repos removed while the sweep ran are skipped, not an error: the sweep's event must
    still be recorded.
    """
    by_name = {check.name: check for check in checks}
    names = list(by_name)
    at = tx.time(checked_at)
    texts = _Texts()
    for start in range(0, len(names), NAMES_PER_QUERY):
        marks, params = placeholders("n", names[start : start + NAMES_PER_QUERY])
        query = statement(
            "SELECT name, id, last_checked_at, last_state, last_findings FROM repos "
            f"WHERE name IN ({marks})"
        )
        changed: list[dict[str, Any]] = []
        checked_only: list[dict[str, Any]] = []
        observations: list[tuple[int, Observation]] = []
        for name, row_id, last_checked_at, last_state, last_findings in tx.rows(query, params):
            check = by_name[name]
            state, findings = tx.json(check.state), texts(list(check.findings))
            # Written, never compared: reading them back to compare cost more than writing.
            seen = {
                "id": row_id,
                "checked_at": at,
                "details": texts(check.details),
                "fetch": texts(check.fetch),
            }
            if (
                last_checked_at is None
                or not _same(tx, last_state, state)
                or not _same(tx, last_findings, findings)
            ):
                changed.append({**seen, "state": state, "findings": findings})
            else:
                checked_only.append(seen)
            observations.append((row_id, check.observed()))
        tx.executemany(_CHANGED, changed)
        tx.executemany(_CHECKED, checked_only)
        record_changes(
            tx, observed_at=checked_at, sweep_id=sweep_id, observations=observations, texts=texts
        )


class _Texts:
    """Each flat document's JSON text, encoded once per sweep: most repos share their
    findings ([] or ["behind"]), details ([]) and fetch outcome, and encoding them one by one
    was half of recording's CPU. Anything not flat is encoded each time."""

    def __init__(self) -> None:
        self._known: dict[tuple[Any, ...], str] = {}

    def __call__(self, value: Any) -> str | None:
        if value is None:
            return None
        key = _flat_key(value)
        if key is None:
            return dump_json(value)
        text = self._known.get(key)
        if text is None:
            text = self._known[key] = dump_json(value)
        return text


_FLAT = (str, bool, type(None))


def _flat_key(value: Any) -> tuple[Any, ...] | None:
    """A key that tells flat lists of strings and flat dicts of strings, booleans and None
    apart exactly (no numbers: True == 1 would share a key), else None."""
    if type(value) is list and all(type(v) is str for v in value):
        return ("list", *value)
    if type(value) is dict and all(type(v) in _FLAT for v in value.values()):
        return ("dict", *value.items())
    return None


def _same(tx: Transaction, stored: Any, text: str | None) -> bool:
    """Is the stored document the one ``text`` says? Compared as values, as the ORM reads
    them; the same text (what this module and the ORM write) says so without parsing."""
    if isinstance(stored, str) and stored == text:
        return True
    return bool(tx.json_of(stored) == (None if text is None else json.loads(text)))


def record_changes(
    tx: Transaction,
    *,
    observed_at: datetime,
    sweep_id: str | None,
    observations: Iterable[tuple[int, Observation]],
    texts: Callable[[Any], str | None] = dump_json,
) -> int:
    """A history row for each repo (by id) whose observation differs from its newest row
    (``statehub.store.history`` reads them); how many were written."""
    pending = list(observations)
    at = tx.time(observed_at)
    rows: list[dict[str, Any]] = []
    for start in range(0, len(pending), NAMES_PER_QUERY):
        chunk = pending[start : start + NAMES_PER_QUERY]
        before = _newest(tx, [repo_id for repo_id, _ in chunk])
        for repo_id, seen in chunk:
            row = {
                "repo_id": repo_id,
                "observed_at": at,
                "sweep_id": sweep_id,
                "status": seen.status,
                "findings": texts(seen.findings),
                "heads": dump_json(seen.heads),
                "upstream_heads": dump_json(seen.upstream_heads),
            }
            newest = before.get(repo_id)
            if newest is None or not _same_observation(tx, newest, row):
                rows.append(row)
    tx.executemany(_CHANGE, rows)
    return len(rows)


_DOCUMENTS = ("findings", "heads", "upstream_heads")


def _same_observation(tx: Transaction, newest: tuple[Any, ...], row: dict[str, Any]) -> bool:
    status, *documents = newest
    return status == row["status"] and all(
        _same(tx, stored, row[name]) for stored, name in zip(documents, _DOCUMENTS, strict=True)
    )


def _newest(tx: Transaction, repo_ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """Each repo's newest history row: status and its documents as stored."""
    marks, params = placeholders("r", repo_ids)
    query = statement(
        "SELECT c.repo_id, c.status, c.findings, c.heads, c.upstream_heads "
        "FROM repo_changes c JOIN (SELECT max(id) AS id FROM repo_changes "
        f"WHERE repo_id IN ({marks}) GROUP BY repo_id) newest ON c.id = newest.id"
    )
    return {row[0]: tuple(row[1:]) for row in tx.rows(query, params)}


@dataclass(frozen=True)
class _Recorded:
    """An event as ``digest`` reads it (``statehub.digest.RecordedSweep``)."""

    id: int
    created_at: datetime
    sweep_id: str | None
    triggered_by: str | None
    summary: str
    payload: dict[str, Any]


def append_event(
    tx: Transaction,
    *,
    event_type: str,
    summary: str,
    payload: dict[str, Any],
    triggered_by: str | None = None,
    sweep_id: str | None = None,
    created_at: datetime | None = None,
) -> int:
    """Append a progress event, and a sweep event's summary row with it; the event's id.

    ``payload`` must be JSON-shaped already (as ``model_dump(mode="json")`` and a request's
    body are): the summary is digested from it as a read of the row would return it.
    """
    when = created_at or datetime.now(UTC)
    stored_at = tx.time(when)  # refuses a naive time, as UTCDateTime does
    at = when.astimezone(UTC)
    event_id = tx.scalar(
        _EVENT,
        {
            "event_type": event_type,
            "created_at": stored_at,
            "triggered_by": triggered_by,
            "sweep_id": sweep_id,
            "summary": summary,
            "payload": tx.json(payload),
        },
    )
    if event_type == SWEEP_EVENT:
        # Its summary row, in the same transaction: the two are never seen apart.
        event = _Recorded(int(event_id), at, sweep_id, triggered_by, summary, payload)
        add_summary(tx, digest(event))
    return int(event_id)


def add_summary(tx: Transaction, row: SweepDigest) -> None:
    columns = row.columns()
    for name in _SUMMARY_JSON:
        columns[name] = tx.json(columns[name])
    for name in _SUMMARY_TIMES:
        columns[name] = tx.time(columns[name])
    tx.execute(_SUMMARY, columns)
