"""Sweeps whose recording failed wait here, one JSON file each, until the database is back.

``$STATEHUB_HOME/spool/<finished_at>-<sweep_id>.json`` holds the result document and what
each repo's check saw — everything ``Sweeper.record`` writes. A file is written to a
temporary name and renamed into place, so a reader never sees half of one; names sort by
the sweep's own finish time, so they are recorded in the order the sweeps ran, with their
own times. Only a process holding the sweep lock drains the spool, and a sweep already
recorded is never recorded again (the file is deleted after its transaction commits; a
crash in between finds the event there next time).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from statehub.store.records import CheckRecord, Observation
from statehub.sweep.result import SweepResult

SPOOL_DIR = "spool"


@dataclass(frozen=True)
class Spooled:
    path: Path
    result: SweepResult
    checks: list[CheckRecord]


def spool_dir(home: Path) -> Path:
    return home / SPOOL_DIR


def _file_name(result: SweepResult) -> str:
    return f"{result.finished_at.strftime('%Y%m%dT%H%M%S%fZ')}-{result.sweep_id}.json"


def write(home: Path, result: SweepResult, checks: list[CheckRecord]) -> Path:
    """Spool one sweep atomically; OSError when the home cannot take it."""
    directory = spool_dir(home)
    directory.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {
        "result": result.document(),
        "checks": [
            {
                "name": c.name,
                "state": c.state,
                "findings": list(c.findings),
                "details": c.details,
                "fetch": c.fetch,
                "observation": asdict(c.observation) if c.observation else None,
            }
            for c in checks
        ],
    }
    final = directory / _file_name(result)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return final


def pending(home: Path) -> list[Path]:
    """Spooled sweeps, oldest first (temporary files are never listed)."""
    directory = spool_dir(home)
    try:
        return sorted(p for p in directory.iterdir() if p.suffix == ".json")
    except FileNotFoundError:
        return []


def read(path: Path) -> Spooled:
    """One spooled sweep; ValueError when the file is not one."""
    # Only when a file waits here: the sweep's path, spool or none, loads no pydantic.
    from statehub.sweep.result_schema import read_result

    document = json.loads(path.read_text(encoding="utf-8"))
    checks = [
        CheckRecord(
            name=str(c["name"]),
            state=c["state"],
            findings=list(c["findings"]),
            # Absent from files spooled before the history was kept.
            details=list(c.get("details") or []),
            fetch=c.get("fetch"),
            observation=Observation(**c["observation"]) if c.get("observation") else None,
        )
        for c in document["checks"]
    ]
    return Spooled(path=path, result=read_result(document["result"]), checks=checks)
