"""The mirror check: trigger expansion (pure), slot pairing (pure), and the command over a
real database with recorded runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from activitycore.cadence import RunMark, mirror, trigger_slots
from activitycore.cli import app
from activitycore.definitions import load_definitions
from activitycore.store import Store, catalog, runs
from durations import parse_duration
from tests.activitycore.support import REPO, SWEEP_ID, start_scheduled_run

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("trigger", "timezone", "start", "end", "expected"),
    [
        ("*/15 * * * *", "UTC", T0, T0 + 60 * M, [0, 15, 30, 45]),
        ("*/15 * * * *", "UTC", T0 + 1 * M, T0 + 31 * M, [15, 30]),
        ("5/20 * * * *", "UTC", T0, T0 + 60 * M, [5, 25, 45]),
        ("0,30 10 * * *", "UTC", T0 - 60 * M, T0 + 120 * M, [0, 30]),
        # 10:00 UTC is 11:00 in Berlin (winter): only the 11 o'clock local slot.
        ("0 11 * * *", "Europe/Berlin", T0 - 120 * M, T0 + 120 * M, [0]),
        ("@every 20m", "UTC", T0, T0 + 60 * M, [0, 20, 40]),
        ("@every 7m", "UTC", T0, T0 + 15 * M, [3, 10]),  # epoch multiples, not the hour's
        # 2026-03-02 is a Monday: day-of-month 1 OR Monday (cron ORs restricted day fields).
        ("0 10 1 * MON", "UTC", T0 - 1440 * M, T0 + 1440 * M, [-1440, 0]),
        ("0 10 * * SUN", "UTC", T0 - 1440 * M, T0 + 1440 * M, [-1440]),
        # "*/2" starts with "*": unrestricted, so the day fields are ANDed (odd days, Mondays).
        ("0 10 */2 * MON", "UTC", T0 - 1440 * M, T0 + 1440 * M, []),
    ],
)
def test_trigger_slots(
    trigger: str, timezone: str, start: datetime, end: datetime, expected: list[int]
) -> None:
    assert trigger_slots(trigger, timezone, start, end) == [T0 + m * M for m in expected]


def test_a_dst_change_moves_local_slots_in_utc() -> None:
    # Europe/Berlin springs forward on 2026-03-29: 09:00 local is 08:00 UTC, then 07:00 UTC.
    start = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    fires = trigger_slots("0 9 * * *", "Europe/Berlin", start, start + timedelta(days=2))
    assert [f.hour for f in fires] == [8, 7]


def test_a_week_of_quarter_hours() -> None:
    assert len(trigger_slots("*/15 * * * *", "UTC", T0, T0 + timedelta(days=7))) == 672


def run(slot_minutes: int, status: str = "succeeded", trigger: str = "schedule") -> RunMark:
    slot = T0 + slot_minutes * M
    return RunMark(f"run-{slot_minutes}-{status}", slot, slot + M, status, trigger)


@pytest.mark.parametrize(
    ("recorded", "counts", "missed", "ok"),
    [
        ([run(0), run(15), run(30), run(45)], {"succeeded": 4}, [], True),
        ([run(0), run(15), run(45)], {"succeeded": 3, "missing": 1}, [30], False),
        ([run(0), run(15, "skipped"), run(30), run(45)], {"succeeded": 3, "skipped": 1}, [], False),
        (
            [run(0), run(15, "failed"), run(15), run(30), run(45, "running")],
            {"succeeded": 3, "running": 1},
            [],
            True,
        ),  # a retried slot, and one still running
        (
            [run(0, trigger="manual"), run(15), run(30), run(45)],
            {"missing": 1, "succeeded": 3},
            [0],
            False,
        ),  # a manual run is no scheduled fire
        ([], {"missing": 4}, [0, 15, 30, 45], False),
    ],
)
def test_mirror(
    recorded: list[RunMark], counts: dict[str, int], missed: list[int], ok: bool
) -> None:
    slots = trigger_slots("*/15 * * * *", "UTC", T0, T0 + 60 * M)
    result = mirror(recorded, slots=slots, start=T0, end=T0 + 65 * M, grace=5 * M)
    assert result.counts == counts
    assert list(result.missed) == [T0 + m * M for m in missed]
    assert result.ok is ok


def test_recent_slots_are_pending_and_odd_runs_unexpected() -> None:
    slots = trigger_slots("*/15 * * * *", "UTC", T0, T0 + 49 * M)
    odd = RunMark("odd", T0 + 7 * M, T0 + 7 * M, "succeeded", "schedule")
    result = mirror(
        [run(0), run(15), run(30), odd], slots=slots, start=T0, end=T0 + 49 * M, grace=5 * M
    )
    assert (len(result.slots), result.pending) == (3, 1)
    assert result.unexpected == (odd,) and result.ok


@pytest.mark.parametrize("text", ["0m", "7", "1y", "1.5h", "9999999d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_the_command_over_recorded_runs(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    store = Store.open(database_url)
    loaded = load_definitions([REPO / "activities"], {"STATE_HUB_URL": "http://hub:8000"})
    slots = trigger_slots("*/15 * * * *", "UTC", now - timedelta(hours=3), now - 5 * M)
    with store.session() as db:
        catalog.sync_definitions(db, loaded=loaded)
        for i, slot in enumerate(slots):
            if i == 4:
                continue  # Temporal never fired this one
            run_id = start_scheduled_run(db, index=i, slot=slot)
            runs.finish_run(
                db, run_id=run_id, status="succeeded", finished_at=slot + timedelta(seconds=30)
            )
    store.dispose()
    monkeypatch.setenv("ACTIVITY_CORE_DATABASE_URL", database_url)
    monkeypatch.setenv("ACTIVITY_CORE_HOME", str(tmp_path))

    shown = CliRunner().invoke(app, ["cadence", "State Hub Consistency Sweep", "--since", "3h"])
    checked = CliRunner().invoke(app, ["cadence", SWEEP_ID, "--since", "3h", "--check", "--json"])

    assert shown.exit_code == 0, shown.output
    assert "missing" in shown.output and f"{slots[4]:%Y-%m-%d %H:%M}" in shown.output
    assert checked.exit_code == 4
    document = json.loads(checked.output)
    assert document["missed"] == [slots[4].isoformat().replace("+00:00", "Z")]
    assert document["counts"]["succeeded"] == len(slots) - 1
