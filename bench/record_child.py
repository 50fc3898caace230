"""Recording cost in a process of its own: ``python -m bench.record_child URL --repos N``.

Registers N repos, then records ``--sweeps`` sweeps of them through ``write_sweep`` (the
event, its summary row where the State Hub imported has one, every repo's check and the
history), each its own transaction as a sweep's is, and prints the median ms per sweep as
one JSON line. Run with ``statehub`` importable from another checkout (PYTHONPATH first) it
measures that version: the ledger's plain transactions where it has them
(``statehub.store.sweepstore``, opened as the CLI opens it), else the ORM session it had.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from statehub.store import Store
from statehub.store.repos import add_repo
from statehub.sweep.recording import write_sweep
from statehub.sweep.result import SweepResult

try:
    from statehub.store.records import CheckRecord, Observation
    from statehub.store.sweepstore import SweepStore
except ImportError:  # a checkout from before the ledger
    from statehub.store.history import Observation  # type: ignore[attr-defined,no-redef]
    from statehub.store.repos import CheckRecord  # type: ignore[attr-defined,no-redef]

    SweepStore = None  # type: ignore[assignment,misc]
try:
    from statehub.sweep.result_schema import read_result
except ImportError:  # a checkout whose result document was a pydantic model
    read_result = SweepResult.model_validate  # type: ignore[attr-defined]

NEEDING = 0.2


def _sweep(repos: int, n: int, at: datetime) -> tuple[SweepResult, list[CheckRecord]]:
    needing = int(repos * NEEDING)
    processed = [
        {
            "name": f"repo-{k:04d}",
            "path": f"/src/repo-{k:04d}",
            "findings": ["behind"],
            "state": None,
        }
        for k in range(needing)
    ]
    result = read_result(
        {
            "sweep_id": uuid.uuid4(),
            "triggered_by": "bench",
            "host": "bench",
            "mode": "warn",
            "max_seconds": 300,
            "started_at": at - timedelta(seconds=30),
            "finished_at": at,
            "duration_seconds": 30.0,
            "exit_code": 0,
            "repos_total": repos,
            "repos_processed": processed,
            "skipped_clean": [f"repo-{k:04d}" for k in range(needing, repos)],
        }
    )
    # Heads move on a tenth of the fleet each sweep: the history gets rows, as it would.
    records = [
        CheckRecord(
            name=f"repo-{k:04d}",
            state=None,
            findings=["behind"] if k < needing else [],
            observation=Observation(
                "needs_action" if k < needing else "clean",
                ["behind"] if k < needing else [],
                {"main": f"{(n if k % 10 == n % 10 else 0):040x}"},
            ),
        )
        for k in range(repos)
    ]
    return result, records


def _transactions(store: Store, url: str) -> tuple[Callable[[], Any], Callable[[], None]]:
    """What one sweep's write runs in, and how to close it: the ledger's, else a session."""
    if SweepStore is None:
        return store.session, lambda: None
    sweeps = SweepStore.open(url)
    return sweeps.writing, sweeps.close


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--sweeps", type=int, default=20)
    args = parser.parse_args()
    store = Store.open(args.url)
    try:
        with store.session() as db:
            for k in range(args.repos):
                add_repo(db, name=f"repo-{k:04d}", path=f"/src/repo-{k:04d}")
        took = []
        start = datetime.now(UTC)
        transaction, close = _transactions(store, args.url)
        try:
            for n in range(args.sweeps + 1):
                result, records = _sweep(args.repos, n, start + timedelta(minutes=15 * n))
                payload = (
                    result.document()
                    if hasattr(result, "document")
                    else result.model_dump(mode="json")  # type: ignore[attr-defined]
                )
                began = time.perf_counter()
                with transaction() as tx:
                    write_sweep(tx, result, payload, records)
                took.append(time.perf_counter() - began)
        finally:
            close()
    finally:
        store.dispose()
    # The first sweep writes every repo's first history row: a one-off, left out.
    print(json.dumps({"ms_per_sweep": statistics.median(took[1:]) * 1000}))


if __name__ == "__main__":
    main()
