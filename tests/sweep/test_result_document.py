"""The result document the sweep writes by hand is the one pydantic dumps.

``SweepResult.document()`` (and the ``document()`` of every part of it, ``Detail`` included)
replaced pydantic's ``model_dump(mode="json")`` on the sweep's path. The CLI's ``--json``, the
stored events, the spool files and activity-core's snapshot must not change because of it, so
each is held here to what a pydantic ``TypeAdapter`` over the same dataclasses dumps — key
order, datetimes, UUIDs, enums, floats, nulls — for documents with every field populated and
with every field empty. A field added to a class and not to its ``document()`` fails here.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import TypeAdapter

from statehub.fleet.explain import BranchGap, Detail, RemoteFailure
from statehub.health import Health
from statehub.sweep.check import RepoCheck, Verdict
from statehub.sweep.lock import SweepLock, current_holder
from statehub.sweep.recording import check_records
from statehub.sweep.result import (
    BranchSummary,
    LockHolder,
    Mode,
    ObservedState,
    RepoError,
    RepoReport,
    SweepResult,
)
from statehub.sweep.result_schema import read_result

RESULT = TypeAdapter(SweepResult)

MOMENTS = {
    "utc": datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
    "utc-whole-second": datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
    "offset": datetime(2026, 3, 4, 5, 6, 7, 500, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    "zone-at-utc": datetime(2026, 1, 4, 5, 6, 7, 120000, tzinfo=ZoneInfo("Europe/London")),
    "zone": datetime(2026, 7, 4, 5, 6, 7, tzinfo=ZoneInfo("America/New_York")),
    "naive": datetime(2026, 3, 4, 5, 6, 7, 1),
}


def _details() -> list[Detail]:
    return [
        Detail(
            finding="diverged",
            about="feature: 2 ahead, 1 behind origin/feature",
            meaning="a branch and its upstream both have commits the other lacks",
            suggestion="git -C /src/é pull --rebase",
            commands=("git -C /src/é pull --rebase", "git -C /src/é log"),
            branches=(
                BranchGap("feature", "origin/feature", ahead=2, behind=1, current=True),
                BranchGap("old", None, upstream_gone=True),
            ),
            operation="rebase",
            count=3,
            remotes=(RemoteFailure("origin", "fatal: could not read"), RemoteFailure(None, "?")),
            config=("core.fsmonitor", "hooks/pre-commit"),
        ),
        Detail(finding="stash", about="1 stash", meaning="stashed", suggestion=None),
    ]


def _observed() -> ObservedState:
    return ObservedState(
        branch="main",
        head="a" * 40,
        upstream="origin/main",
        ahead=1,
        behind=2,
        staged=3,
        modified=4,
        untracked=5,
        conflicted=6,
        stashes=7,
        operation="merge",
        branches=[
            BranchSummary(name="feature", upstream=None, ahead=0, behind=0),
            BranchSummary(name="old", upstream="origin/old", ahead=1, behind=0, upstream_gone=True),
        ],
        untrusted_config=["core.fsmonitor"],
    )


def full(moment: datetime) -> SweepResult:
    """Every field populated; the numbers as callers pass them (ints where floats go)."""
    return SweepResult(
        sweep_id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        triggered_by="activity-core",
        caller_run_id="run-7",
        host="wörkstation",
        mode=Mode.FIX,
        fetch=False,
        max_seconds=300,
        started_at=moment,
        finished_at=moment + timedelta(seconds=1.25),
        duration_seconds=1,
        lock_skipped=True,
        held_by=LockHolder(
            sweep_id="other", pid=42, started_at=moment, triggered_by="local-timer", host="h"
        ),
        exit_code=1,
        repos_total=9,
        repos_processed=[
            RepoReport(
                name="api",
                path="/src/api",
                findings=["diverged", "stash", "fetch_failed"],
                resolved=["behind"],
                state=_observed(),
                actions=["fast-forwarded main"],
                message="fatal: could not read",
                details=_details(),
            ),
            RepoReport(name="gone-state", path="/src/x", findings=["error"], state=None),
        ],
        skipped_clean=["web", "lib"],
        skipped_missing=["old"],
        skipped_budget=["slow"],
        errors=[RepoError(name="broken", path="/src/broken", message="not a git repository")],
        health=Health.DEGRADED,
        health_reasons=["1 repo could not be inspected: broken", "a config problem"],
    )


def sparse(moment: datetime) -> SweepResult:
    """Every optional field empty or null."""
    return SweepResult(
        sweep_id=uuid.uuid4(),
        triggered_by="manual",
        host="h",
        mode=Mode.WARN,
        max_seconds=0.5,
        started_at=moment,
        finished_at=moment,
        duration_seconds=0.0,
        held_by=LockHolder(sweep_id=None, pid=None, started_at=None, triggered_by=None),
        exit_code=0,
        repos_total=0,
        health=Health.OK,
    )


def _text(document: Any) -> str:
    """As the CLI prints it and the store keeps it: the key order shows."""
    return json.dumps(document, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("build", [full, sparse])
@pytest.mark.parametrize("moment", MOMENTS.values(), ids=MOMENTS.keys())
def test_the_document_is_what_pydantic_dumps(build: Any, moment: datetime) -> None:
    result = build(moment)

    mine = result.document()
    pydantics = RESULT.dump_python(result, mode="json")

    assert mine == pydantics
    assert _text(mine) == _text(pydantics)
    # pydantic's own JSON text too (what FastAPI's response model writes), compactly.
    compact = json.dumps(mine, ensure_ascii=False, separators=(",", ":")).encode()
    assert compact == RESULT.dump_json(result)


def test_the_document_is_plain_json_data() -> None:
    document = full(MOMENTS["utc"]).document()

    # Enums as plain strings, tuples as lists: no type of ours is left in it.
    assert type(document["mode"]) is str and type(document["health"]) is str
    assert type(document["max_seconds"]) is float
    assert document["started_at"] == "2026-03-04T05:06:07.891011Z"
    assert json.loads(json.dumps(document)) == document


@pytest.mark.parametrize("build", [full, sparse])
def test_a_document_reads_back_as_the_result_it_was(build: Any) -> None:
    result = build(MOMENTS["offset"])

    back = read_result(json.loads(json.dumps(result.document())))

    assert back == result
    assert back.document() == result.document()


def test_a_document_from_before_health_reads_with_the_health_the_rule_derives() -> None:
    document = full(MOMENTS["utc"]).document()
    document.update(lock_skipped=False, fetch=True)
    del document["health"], document["health_reasons"]

    back = read_result(document)

    assert back.health is Health.DEGRADED
    assert back.health_reasons == [
        "1 of 4 repos could not be fetched; 1 failed: api",
        "1 repo could not be inspected: broken",
        "1 repo not reached within the 300s budget: slow",
    ]


def test_the_records_keep_the_state_and_details_pydantic_dumped() -> None:
    check = RepoCheck(
        name="api",
        path="/src/api",
        verdict=Verdict.NEEDS_ACTION,
        findings=["diverged", "stash"],
        observed=_observed(),
        details=_details(),
    )

    record = check_records([check])[0]

    assert _text(record.state) == _text(TypeAdapter(ObservedState).dump_python(check.observed))
    details = TypeAdapter(list[Detail]).dump_python(check.details, mode="json")
    assert _text(record.details) == _text(details)


def test_the_lock_file_names_its_holder_as_before_and_reads_back(tmp_path: Path) -> None:
    lock_path = tmp_path / "sweep.lock"
    holder = LockHolder(
        sweep_id=str(uuid.uuid4()),
        pid=4242,
        started_at=MOMENTS["zone"],
        triggered_by="activity-core",
        host="wörkstation",
    )
    with SweepLock(lock_path) as lock:
        assert lock.try_acquire(holder)

        # As pydantic's model_dump_json wrote it, so a reader of either version can read it.
        assert lock_path.read_bytes() == TypeAdapter(LockHolder).dump_json(holder)
        assert current_holder(lock_path) == holder


@pytest.mark.parametrize(
    "name",
    [
        '{"sweep_id": 1, "pid": 1, "started_at": null, "triggered_by": null}',
        '{"sweep_id": null, "pid": "1", "started_at": null, "triggered_by": null}',
        '{"sweep_id": null, "pid": true, "started_at": null, "triggered_by": null}',
        '{"sweep_id": null, "pid": 1, "started_at": "yesterday", "triggered_by": null}',
        '{"sweep_id": null, "pid": 1, "started_at": null}',
        '["not", "an", "object"]',
        '{"sweep_id": "half-writ',
    ],
)
def test_a_lock_file_that_names_no_holder_gives_an_unnamed_one(tmp_path: Path, name: str) -> None:
    lock_path = tmp_path / "sweep.lock"
    with SweepLock(lock_path) as lock:
        assert lock.try_acquire(LockHolder(sweep_id="x", pid=1, started_at=None, triggered_by=None))
        lock_path.write_text(name, encoding="utf-8")

        named = SweepLock(lock_path).acquire_or_holder(
            LockHolder(sweep_id="y", pid=2, started_at=None, triggered_by=None), name_wait=0.05
        )

    assert named == LockHolder(sweep_id=None, pid=None, started_at=None, triggered_by=None)
