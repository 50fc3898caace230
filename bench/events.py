"""Fill a State Hub store with many progress events, fast: one driver-level bulk insert
(executemany on SQLite, COPY on PostgreSQL), never one ORM object at a time.

The mix is what a busy store might hold after a few years: 5 % sweep events carrying a
realistic result document of a 40-repo fleet (about 3 KB), the rest small events from other
producers. One event a minute, the newest now.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

SWEEP_EVENT = "consistency_sweep_remote_all"
_OTHER = ("repo_checked", "deploy", "backup", "note")
_COLUMNS = "event_type, created_at, triggered_by, sweep_id, summary, payload"
_BATCH = 20_000


def _sweep_payload(i: int, at: datetime) -> dict[str, Any]:
    processed = [
        {
            "name": f"repo-{k}",
            "path": f"/home/dev/src/repo-{k}",
            "findings": ["dirty", "ahead"][: 1 + k % 2],
            "resolved": [],
            "state": {
                "branch": "main",
                "head": f"{i:08x}{k:032x}",
                "upstream": "origin/main",
                "ahead": k % 2,
                "behind": 0,
                "staged": 0,
                "modified": 1,
                "untracked": 0,
                "conflicted": 0,
                "stashes": 0,
                "operation": None,
                "branches": [],
            },
            "actions": [],
            "message": None,
        }
        for k in range(4)
    ]
    return {
        "sweep_id": str(uuid.UUID(int=i)),
        "event_type": SWEEP_EVENT,
        "triggered_by": "activity-core" if i % 2 else "local-timer",
        "caller_run_id": None,
        "host": "workstation",
        "mode": "warn",
        "max_seconds": 300.0,
        "started_at": (at - timedelta(seconds=3)).isoformat(),
        "finished_at": at.isoformat(),
        "duration_seconds": 3.0,
        "lock_skipped": False,
        "held_by": None,
        "exit_code": 0,
        "repos_total": 40,
        "repos_processed": processed,
        "skipped_clean": [f"clean-repo-{k}" for k in range(35)],
        "skipped_missing": ["old-experiment"],
        "skipped_budget": [],
        "errors": [],
    }


def rows(count: int, *, now: datetime | None = None) -> Iterator[tuple[Any, ...]]:
    """``count`` events, oldest first: (event_type, created_at, triggered_by, sweep_id,
    summary, payload as JSON text)."""
    newest = now or datetime.now(UTC)
    for i in range(count):
        at = newest - timedelta(minutes=count - 1 - i)
        if i % 20 == 19:
            payload = _sweep_payload(i, at)
            yield (
                SWEEP_EVENT,
                at,
                payload["triggered_by"],
                payload["sweep_id"],
                "40 repos: 4 need action, 35 clean, 1 missing",
                json.dumps(payload),
            )
        else:
            kind = _OTHER[i % len(_OTHER)]
            payload = {"repo": f"repo-{i % 997}", "detail": f"{kind} number {i}", "ok": True}
            yield (kind, at, "cron", None, f"{kind} {i}", json.dumps(payload))


def fill_sqlite(path: str, count: int) -> None:
    """Append ``count`` events to the (migrated) SQLite database at ``path``."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        batch: list[tuple[Any, ...]] = []
        for row in rows(count):
            # Stored as SQLAlchemy's SQLite DateTime stores it: naive UTC, microseconds.
            at = row[1].astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            batch.append((row[0], at, *row[2:]))
            if len(batch) == _BATCH:
                _insert_sqlite(connection, batch)
                batch = []
        _insert_sqlite(connection, batch)
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
    finally:
        connection.close()


def _insert_sqlite(connection: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> None:
    connection.executemany(
        f"INSERT INTO progress_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", batch
    )


def fill_postgres(conninfo: str, count: int) -> None:
    """Append ``count`` events to the (migrated) PostgreSQL database, with COPY."""
    with psycopg.connect(conninfo) as connection:
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY progress_events ({_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows(count):
                copy.write_row(row)
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE progress_events")
