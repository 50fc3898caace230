"""Table tests for the pure cadence rules: slots, bucketing, marks, and the verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from durations import format_duration, parse_duration
from statehub.cadence.document import CadenceDocument
from statehub.cadence.marks import ACTIVITY_CORE, LOCAL_TIMER, SweepMark, mark_from_payload
from statehub.cadence.slots import bucket, expected_slots, slot_start
from statehub.cadence.verdict import judge

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a slot boundary
M = timedelta(minutes=1)
S = timedelta(seconds=1)
_ids = count(1)


def mark(
    at: timedelta,
    by: str | None = ACTIVITY_CORE,
    *,
    skipped: bool = False,
    exit_code: int | None = 0,
    failed: bool | None = None,
) -> SweepMark:
    started = T0 + at
    return SweepMark(
        event_id=next(_ids),
        sweep_id=None,
        triggered_by=by,
        started_at=started,
        finished_at=started + 20 * S,
        lock_skipped=skipped,
        exit_code=exit_code,
        failed=(exit_code != 0) if failed is None else failed,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("15m", timedelta(minutes=15)),
        ("90s", timedelta(seconds=90)),
        (" 2h ", timedelta(hours=2)),
        ("1w", timedelta(weeks=1)),
    ],
)
def test_it_parses_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["", "0m", "15", "m", "-5m", "1.5h", "15 minutes", "3y"])
def test_it_refuses_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("start", "end", "every", "expected"),
    [
        # Aligned start: the slot at the start is included, the end is exclusive.
        (T0, T0 + 45 * M, 15 * M, [T0, T0 + 15 * M, T0 + 30 * M]),
        # Unaligned start: the first slot is the next UTC multiple.
        (T0 + 1 * S, T0 + 31 * M, 15 * M, [T0 + 15 * M, T0 + 30 * M]),
        (T0 - 1 * S, T0 + 1 * S, 15 * M, [T0]),
        (T0, T0, 15 * M, []),
        (T0, T0 + 2 * 3600 * S, timedelta(hours=1), [T0, T0 + 60 * M]),
    ],
)
def test_expected_slots_are_utc_multiples(
    start: datetime, end: datetime, every: timedelta, expected: list[datetime]
) -> None:
    slots = expected_slots(start, end, every)
    assert [s for s, _ in slots] == expected
    assert all(e - s == every for s, e in slots)


def test_slots_are_utc_whatever_zone_the_window_is_given_in() -> None:
    from zoneinfo import ZoneInfo

    local = (T0 + 7 * M).astimezone(ZoneInfo("Asia/Kolkata"))  # +05:30: local :37 is UTC :07
    [(first, _)] = expected_slots(local, local + 10 * M, 15 * M)
    assert first == T0 + 15 * M
    assert slot_start(local, 15 * M) == T0


def test_a_week_at_15_minutes_is_672_slots() -> None:
    assert len(expected_slots(T0, T0 + timedelta(days=7), 15 * M)) == 672


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((T0, T0 + M, timedelta(0)), "every must be positive"),
        ((T0.replace(tzinfo=None), T0 + M, 15 * M), "timezone-aware"),
    ],
)
def test_expected_slots_refuses_bad_input(args: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        expected_slots(*args)


def test_a_mark_belongs_to_the_slot_its_start_falls_in() -> None:
    slots = expected_slots(T0, T0 + 30 * M, 15 * M)
    on_boundary = mark(15 * M)
    just_before = mark(15 * M - S)
    before_window = mark(-S)
    after_window = mark(30 * M)
    first, second = bucket([on_boundary, before_window, just_before, after_window], slots)
    assert first.marks == (just_before,)
    assert second.marks == (on_boundary,)


def test_slot_properties() -> None:
    [slot] = bucket(
        [
            mark(3 * S, LOCAL_TIMER),
            mark(4 * S, ACTIVITY_CORE, skipped=True),
            mark(6 * M, "manual", exit_code=2),
        ],
        expected_slots(T0, T0 + 15 * M, 15 * M),
    )
    assert slot.ran_by == {LOCAL_TIMER, "manual"}
    assert slot.skipped_by == {ACTIVITY_CORE}
    assert slot.failed_by == {"manual"}
    assert slot.covered
    assert slot.attended_by(ACTIVITY_CORE, within=5 * M)
    assert not slot.attended_by("manual")


def _payload(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sweep_id": "5f0c5a58-5d8f-4a25-9d36-6f5d7f1b6c11",
        "triggered_by": "activity-core",
        "mode": "warn",
        "started_at": "2026-03-02T10:00:03.5+00:00",
        "finished_at": "2026-03-02T10:00:09+00:00",
        "lock_skipped": False,
        "exit_code": 0,
    }
    base.update(fields)
    return base


@pytest.mark.parametrize(
    ("fields", "skipped", "failed", "exit_code"),
    [
        ({}, False, False, 0),
        ({"lock_skipped": True}, True, False, 0),
        ({"mode": "fix", "exit_code": 1}, False, False, 1),  # findings remain: it ran
        ({"mode": "warn", "exit_code": 1}, False, True, 1),  # warn never exits 1 when it ran
        ({"exit_code": 3}, False, True, 3),
        ({"exit_code": None}, False, True, None),
        ({"exit_code": True}, False, True, None),  # a bool is not an exit code
        ({"lock_skipped": "yes"}, False, False, 0),  # only JSON true means skipped
    ],
)
def test_mark_from_payload(
    fields: dict[str, Any], skipped: bool, failed: bool, exit_code: int | None
) -> None:
    got = mark_from_payload(7, _payload(**fields))
    assert (got.lock_skipped, got.failed, got.exit_code) == (skipped, failed, exit_code)
    assert got.event_id == 7
    assert got.triggered_by == "activity-core"
    assert got.started_at == T0 + 3.5 * S


def test_mark_from_payload_falls_back_to_the_recorded_time() -> None:
    payload = _payload()
    del payload["started_at"], payload["finished_at"]
    got = mark_from_payload(1, payload, recorded_at=T0 + M)
    assert got.started_at == got.finished_at == T0 + M


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"started_at": "yesterday"}, "not an ISO-8601 time"),
        ({"started_at": "2026-03-02T10:00:03"}, "no time zone"),
        ({"started_at": None}, "missing"),
    ],
)
def test_mark_from_payload_refuses_bad_times(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mark_from_payload(1, _payload(**fields))


def _every_slot(by: str, n: int, delay: timedelta = 5 * S, **kw: Any) -> list[SweepMark]:
    return [mark(i * 15 * M + delay, by, **kw) for i in range(n)]


HOUR = (T0, T0 + 60 * M)


@pytest.mark.parametrize(
    ("name", "marks", "can_disable", "missed", "late", "reason"),
    [
        ("activity-core alone, every slot", _every_slot(ACTIVITY_CORE, 4), True, [], [], None),
        (
            # The parallel week: the timer wins the lock every time; activity-core still fired.
            "parallel, timer wins the lock",
            _every_slot(LOCAL_TIMER, 4, 2 * S) + _every_slot(ACTIVITY_CORE, 4, 3 * S, skipped=True),
            True,
            [],
            [],
            None,
        ),
        (
            "only the timer ran",
            _every_slot(LOCAL_TIMER, 4),
            False,
            [0, 15, 30, 45],
            [],
            "did not attend 4 of 4 slots",
        ),
        (
            "activity-core missed one slot the timer covered",
            _every_slot(LOCAL_TIMER, 4)
            + [m for i, m in enumerate(_every_slot(ACTIVITY_CORE, 4)) if i != 2],
            False,
            [30],
            [],
            "did not attend 1 of 4 slots: 2026-03-02 10:30",
        ),
        (
            "activity-core fired late in one slot",
            [*_every_slot(ACTIVITY_CORE, 3), mark(45 * M + 9 * M)],
            False,
            [45],
            [45],
            "fired later than 5m after the slot in 1 of them",
        ),
        (
            "activity-core's sweep failed in one slot",
            [*_every_slot(ACTIVITY_CORE, 3), mark(45 * M + S, exit_code=2)],
            False,
            [45],
            [],
            "sweep failed in 1 of them",
        ),
        (
            "a failure retried within the slot still attends",
            [*_every_slot(ACTIVITY_CORE, 4), mark(30 * M + S, exit_code=2)],
            True,
            [],
            [],
            None,
        ),
        ("nothing at all", [], False, [0, 15, 30, 45], [], "did not attend 4 of 4"),
    ],
)
def test_the_verdict(
    name: str,
    marks: list[SweepMark],
    can_disable: bool,
    missed: list[int],
    late: list[int],
    reason: str | None,
) -> None:
    verdict = judge(marks, start=HOUR[0], end=HOUR[1])
    assert verdict.can_disable_timer is can_disable, verdict.reasons
    assert list(verdict.missed) == [T0 + m * M for m in missed]
    assert list(verdict.late) == [T0 + m * M for m in late]
    if reason is None:
        assert verdict.reasons == ()
    else:
        assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_the_current_slot_is_not_judged_before_its_tolerance_has_passed() -> None:
    marks = _every_slot(ACTIVITY_CORE, 4)  # 10:00 … 10:45; none yet for 11:00
    verdict = judge(marks, start=T0, end=T0 + 60 * M + 4 * M)
    assert len(verdict.slots) == 5 and verdict.judged == 4
    assert verdict.can_disable_timer
    later = judge(marks, start=T0, end=T0 + 60 * M + 5 * M)
    assert later.judged == 5 and not later.can_disable_timer


def test_an_empty_window_has_no_verdict() -> None:
    verdict = judge([], start=T0, end=T0 + M)
    assert not verdict.can_disable_timer
    assert "no slot in the window is old enough" in verdict.reasons[0]


def test_totals_and_gaps() -> None:
    marks = (
        [mark(i * 15 * M + S, LOCAL_TIMER) for i in range(8) if i not in (3, 4, 5)]
        + [mark(i * 15 * M + 2 * S, ACTIVITY_CORE, skipped=True) for i in (0, 1)]
        + [mark(i * 15 * M + 2 * S, ACTIVITY_CORE) for i in (4, 7)]
        + [mark(7 * 15 * M + 3 * M, ACTIVITY_CORE, exit_code=4)]
    )
    verdict = judge(marks, start=T0, end=T0 + 120 * M)
    totals = {t.source: t for t in verdict.totals}
    assert totals[LOCAL_TIMER].sweeps == 5
    assert totals[LOCAL_TIMER].slots_attended == 5
    assert (totals[ACTIVITY_CORE].sweeps, totals[ACTIVITY_CORE].lock_skips) == (3, 2)
    assert totals[ACTIVITY_CORE].failures == 1
    assert totals[ACTIVITY_CORE].slots_attended == 4
    # Slots 3 and 5 had no sweep at all (4 had activity-core's): two one-slot gaps.
    assert verdict.covered == 6
    assert verdict.longest_gap is not None and verdict.longest_gap.slots == 1
    assert verdict.longest_gap.start == T0 + 45 * M
    # activity-core was absent in slots 2, 3 and then 5, 6.
    gap = verdict.longest_source_gap
    assert gap is not None
    assert (gap.start, gap.end, gap.slots) == (T0 + 30 * M, T0 + 60 * M, 2)
    assert gap.duration == 30 * M


def test_untagged_sweeps_are_grouped_under_a_name() -> None:
    verdict = judge([mark(S, None)], start=T0, end=T0 + 15 * M)
    assert [t.source for t in verdict.totals] == ["(none)"]


@pytest.mark.parametrize("tolerance", [-S, 15 * M, 20 * M])
def test_the_tolerance_must_stay_inside_a_slot(tolerance: timedelta) -> None:
    with pytest.raises(ValueError, match="tolerance must be in"):
        judge([], start=T0, end=T0 + M, tolerance=tolerance)


def test_the_document_is_plain_json() -> None:
    import json

    marks = _every_slot(LOCAL_TIMER, 2) + _every_slot(ACTIVITY_CORE, 2, 6 * S, skipped=True)
    document = CadenceDocument.of(judge(marks, start=T0, end=T0 + 30 * M)).model_dump(mode="json")
    assert json.loads(json.dumps(document)) == document
    assert document["can_disable_timer"] is True
    assert document["slots_judged"] == 2
    first = document["slots"][0]
    assert first["start"] == "2026-03-02T10:00:00+00:00"
    assert first["ran_by"] == [LOCAL_TIMER] and first["skipped_by"] == [ACTIVITY_CORE]
    assert first["attended"] and first["judged"]
    assert [m["lock_skipped"] for m in first["marks"]] == [False, True]
    assert (
        CadenceDocument.of(judge(marks, start=T0, end=T0 + 30 * M), include_slots=False).slots
        is None
    )
