"""The health rule, table-tested: what a sweep saw in, ``ok``/``degraded``/``failed`` and
its sentences out — and an event recorded before sweeps carried their health reads the
same, derived, never a crash."""

from __future__ import annotations

from typing import Any

import pytest

from statehub.health import Health, Observation, assess, health_of, observe
from statehub.sweep.result_schema import read_result

FLEET = [f"r{i}" for i in range(37)]


@pytest.mark.parametrize(
    ("seen", "health", "reasons"),
    [
        (Observation(inspected=FLEET), Health.OK, []),
        (Observation(lock_skipped=True), Health.OK, []),
        # A lock skip stays ok even with nothing inspected: the holder is the one looking.
        (Observation(lock_skipped=True, inspected=()), Health.OK, []),
        # --no-fetch: nothing was asked of the remotes, so no fetch can have failed.
        (Observation(fetch=False, inspected=FLEET), Health.OK, []),
        (
            Observation(inspected=FLEET, fetch_failed=FLEET),
            Health.DEGRADED,
            ["no remote could be fetched (0 of 37); 37 failed: r0, r1, r10, r11, r12 and 32 more"],
        ),
        (
            Observation(inspected=FLEET, fetch_failed=["r3"], fetch_timed_out=["r9", "r1"]),
            Health.DEGRADED,
            ["3 of 37 repos could not be fetched; 1 failed, 2 timed out: r1, r3, r9"],
        ),
        (
            Observation(inspected=["a"], errors=["corrupt"]),
            Health.DEGRADED,
            ["1 repo could not be inspected: corrupt"],
        ),
        (
            Observation(inspected=["a"], over_budget=["b", "c"], max_seconds=30),
            Health.DEGRADED,
            ["2 repos not reached within the 30s budget: b, c"],
        ),
        (
            Observation(inspected=["a"], config_problems=["config.yaml, line 3: not valid YAML"]),
            Health.DEGRADED,
            ["config.yaml, line 3: not valid YAML"],
        ),
        (
            Observation(failure="the sweep could not start: the lock file is a directory"),
            Health.FAILED,
            ["the sweep could not start: the lock file is a directory"],
        ),
        # Everything at once: one sentence per cause, in a fixed order.
        (
            Observation(
                inspected=["a", "b"],
                fetch_failed=["b"],
                errors=["c"],
                over_budget=["d"],
                max_seconds=5,
                config_problems=["clash"],
            ),
            Health.DEGRADED,
            [
                "1 of 2 repos could not be fetched; 1 failed: b",
                "1 repo could not be inspected: c",
                "1 repo not reached within the 5s budget: d",
                "clash",
            ],
        ),
    ],
)
def test_it_rates_what_the_sweep_saw(seen: Observation, health: Health, reasons: list[str]) -> None:
    assert assess(seen) == (health, reasons)


def _old_document(**changes: Any) -> dict[str, Any]:
    """A result document as sweeps recorded it before ``health`` existed."""
    document: dict[str, Any] = {
        "sweep_id": "6f1c7d1e-2a7b-4c55-9d0e-3f7f1b8a9c01",
        "event_type": "consistency_sweep_remote_all",
        "triggered_by": "local-timer",
        "host": "ws",
        "mode": "warn",
        "max_seconds": 300,
        "started_at": "2026-11-30T10:00:00+00:00",
        "finished_at": "2026-11-30T10:00:09+00:00",
        "duration_seconds": 9.0,
        "exit_code": 0,
        "repos_total": 2,
        "repos_processed": [
            {"name": "api", "path": "/s/api", "findings": ["fetch_failed"], "state": None}
        ],
        "skipped_clean": ["web"],
    }
    document.update(changes)
    return document


def test_an_old_event_gets_its_health_derived_by_the_same_rule() -> None:
    health, reasons, derived = health_of(_old_document())
    assert (health, derived) == (Health.DEGRADED, True)
    assert reasons == ["1 of 2 repos could not be fetched; 1 failed: api"]
    parsed = read_result(_old_document())
    assert parsed.health == Health.DEGRADED and parsed.health_reasons == reasons


def test_an_old_clean_event_is_ok_and_a_recorded_health_is_taken_as_recorded() -> None:
    clean = _old_document(repos_processed=[], skipped_clean=["api", "web"])
    assert health_of(clean) == (Health.OK, [], True)
    recorded = _old_document(health="failed", health_reasons=["could not start"])
    assert health_of(recorded) == (Health.FAILED, ["could not start"], False)


@pytest.mark.parametrize(
    "odd",
    [
        {},
        {"repos_processed": "not a list", "errors": 3, "skipped_budget": [1, None]},
        {"repos_processed": [None, 7, {"findings": "fetch_failed"}], "health": "splendid"},
        {"lock_skipped": "yes", "max_seconds": "soon"},
    ],
)
def test_an_odd_document_gets_a_health_not_an_exception(odd: dict[str, Any]) -> None:
    health, reasons, derived = health_of(odd)
    assert health in set(Health) and isinstance(reasons, list) and derived


def test_reading_the_document_gives_what_the_checks_gave() -> None:
    """``observe`` (stored document) and the engine's observation agree on a real document."""
    document = _old_document(
        repos_processed=[
            {"name": "a", "path": "/a", "findings": ["fetch_timeout"], "state": None},
            {"name": "b", "path": "/b", "findings": ["dirty"], "state": None},
        ],
        skipped_clean=["c"],
        skipped_budget=["d"],
        errors=[{"name": "e", "path": "/e", "message": "corrupt"}],
        repos_total=5,
    )
    seen = observe(document)
    assert (seen.fetch_attempted, seen.fetched) == (3, 2)
    assert assess(seen)[1] == [
        "1 of 3 repos could not be fetched; 1 timed out: a",
        "1 repo could not be inspected: e",
        "1 repo not reached within the 300s budget: d",
    ]
