"""The pure parts: fleet rows, strip cells, sweep rows, formatting. Table tests, no I/O."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from statehub.api.dashboard import fleet, render, strip, sweeps
from statehub.cadence.marks import SweepMark
from statehub.fleet.explain import MEANINGS
from statehub.store.events import ProgressEvent
from statehub.store.repos import RepoRecord
from statehub.sweep.result import RepoError, RepoReport
from statehub.sweep.result_schema import read_result

NOW = datetime(2025, 3, 1, 14, 7, 30, tzinfo=UTC)


def _repo(
    name: str, *, checked: bool = True, state: Any = None, findings: tuple = ()
) -> RepoRecord:
    return RepoRecord(
        id=1,
        name=name,
        path=f"/src/{name}",
        allow_push=False,
        source="cli",
        added_at=NOW,
        last_checked_at=NOW if checked else None,
        last_changed_at=NOW if checked else None,
        last_state=state,
        last_findings=list(findings),
    )


@pytest.mark.parametrize(
    ("repo", "status", "badges"),
    [
        (_repo("a", checked=False), "unchecked", ()),
        (_repo("b", state={"branch": "main", "ahead": 0, "behind": 0}), "clean", ()),
        (
            _repo("c", state={"branch": "main"}, findings=("dirty", "ahead")),
            "action",
            ("dirty", "ahead"),
        ),
        (_repo("d", state={"missing": True}), "missing", ("missing",)),
        (_repo("e", state={"error": "not a git work tree"}), "error", ("error",)),
        (_repo("f", state=["not", "a", "dict"]), "clean", ()),  # junk never breaks the page
    ],
)
def test_a_row_says_what_the_last_check_saw(repo: RepoRecord, status: str, badges: tuple) -> None:
    row = fleet.row_for(repo)

    assert row.status == status
    assert row.badges == badges


def test_a_row_names_the_other_branches_that_need_action() -> None:
    state = {
        "branch": "main",
        "ahead": 0,
        "behind": 0,
        "branches": [
            {"name": "feature", "upstream": "origin/feature", "ahead": 2, "behind": 1},
            {"name": "spike", "upstream": None, "ahead": 0, "behind": 0},
            {"name": "old", "upstream": "origin/old", "upstream_gone": True},
            "junk",
        ],
    }

    row = fleet.row_for(_repo("a", state=state, findings=("ahead", "no_upstream")))

    assert row.other_branches == (
        "feature \u21912 \u21931",
        "spike: no upstream",
        "old: upstream gone",
    )


def test_a_badge_says_what_its_code_means_and_what_it_is_about_here_escaped() -> None:
    repo = dataclasses.replace(
        _repo("a", state={"branch": "main"}, findings=("ahead", "stash")),
        last_details=[{"finding": "ahead", "about": "f\x1b[2J: 1 ahead of origin/f"}],
    )

    row = fleet.row_for(repo)

    assert row.badge_title("ahead") == (
        "ahead: " + MEANINGS["ahead"] + "\nf\\x1b[2J: 1 ahead of origin/f"
    )
    assert row.badge_description("ahead") == (
        MEANINGS["ahead"] + "; here: f\\x1b[2J: 1 ahead of origin/f"
    )
    assert row.badge_title("stash") == "stash: " + MEANINGS["stash"]  # nothing known beyond it


def test_finding_counts_count_repos_needing_action_per_badge() -> None:
    rows = [
        fleet.row_for(_repo("a", state={}, findings=("dirty", "ahead"))),
        fleet.row_for(_repo("b", state={}, findings=("dirty",))),
        fleet.row_for(_repo("c", state={"missing": True})),
        fleet.row_for(_repo("d", state={})),
    ]

    assert fleet.finding_counts(rows) == {"dirty": 2, "ahead": 1, "missing": 1}


def test_rows_needing_action_come_first_then_unchecked_then_clean() -> None:
    rows = fleet.ordered(
        [
            _repo("zeta"),
            _repo("Alpha", checked=False),
            _repo("omega", findings=("behind",)),
            _repo("beta", state={"missing": True}),
            _repo("gamma"),
        ]
    )

    assert [r.name for r in rows] == ["beta", "omega", "Alpha", "gamma", "zeta"]


def test_the_filter_matches_names_and_tags() -> None:
    row = fleet.row_for(_repo("Payments-API", findings=("dirty",)))

    assert fleet.matches(row, name="api", tag="")
    assert fleet.matches(row, name="PAY", tag="dirty")
    assert fleet.matches(row, tag="needs_action")
    assert not fleet.matches(row, tag="behind")
    assert not fleet.matches(row, name="web")


def test_filter_options_count_and_keep_a_bookmarked_choice() -> None:
    rows = fleet.ordered(
        [_repo("a", findings=("dirty",)), _repo("b", findings=("dirty", "stash")), _repo("c")]
    )

    options = {o.value: o.count for o in fleet.filter_options(rows, selected="diverged")}

    assert options == {
        "": 3,
        "needs_action": 2,
        "clean": 1,
        "dirty": 2,
        "stash": 1,
        "diverged": 0,
    }


def _mark(at: datetime, who: str | None, *, skipped: bool = False, exit_code: int = 0) -> SweepMark:
    return SweepMark(
        event_id=1,
        sweep_id="s",
        triggered_by=who,
        started_at=at,
        finished_at=at + timedelta(seconds=5),
        lock_skipped=skipped,
        exit_code=exit_code,
        failed=exit_code != 0,
    )


def test_the_strip_is_96_quarter_hours_ending_with_the_current_one() -> None:
    cells = strip.cells([], NOW)

    assert len(cells) == 96
    assert cells[-1].start == datetime(2025, 3, 1, 14, 0, tzinfo=UTC)
    assert cells[-1].current and not any(c.current for c in cells[:-1])
    assert cells[0].start == datetime(2025, 2, 28, 14, 15, tzinfo=UTC)
    assert {c.kind for c in cells} == {"none"}


@pytest.mark.parametrize(
    ("marks", "kind", "failed"),
    [
        ([_mark(NOW, "activity-core")], "activity-core", False),
        ([_mark(NOW, "local-timer")], "local-timer", False),
        ([_mark(NOW, "manual")], "manual", False),
        ([_mark(NOW, "cron-on-laptop")], "other", False),
        ([_mark(NOW, None)], "other", False),
        ([_mark(NOW, "local-timer", skipped=True)], "skip", False),
        # The one that ran decides the colour, even when the skip came first.
        (
            [
                _mark(NOW, "local-timer", skipped=True),
                _mark(NOW + timedelta(seconds=1), "activity-core"),
            ],
            "activity-core",
            False,
        ),
        ([_mark(NOW, "activity-core", exit_code=2)], "activity-core", True),
    ],
)
def test_a_slot_is_coloured_by_who_ran_in_it(
    marks: list[SweepMark], kind: str, failed: bool
) -> None:
    cell = strip.cells(marks, NOW)[-1]

    assert (cell.kind, cell.failed) == (kind, failed)
    assert cell.primary is not None and not (cell.primary.lock_skipped and kind != "skip")


def test_a_tooltip_line_says_when_who_and_how() -> None:
    assert strip.describe(_mark(NOW, "activity-core")) == "14:07:30 activity-core: ran 5 s"
    assert (
        strip.describe(_mark(NOW, "local-timer", skipped=True))
        == "14:07:30 local-timer: lock skipped"
    )
    assert strip.describe(_mark(NOW, None, exit_code=2)) == "14:07:30 untagged: failed (exit 2)"


def _event(payload: dict[str, Any]) -> ProgressEvent:
    return ProgressEvent(
        id=7,
        event_type="consistency_sweep_remote_all",
        created_at=NOW,
        triggered_by=None,
        sweep_id="s",
        summary="",
        payload=payload,
    )


def test_a_sweep_row_counts_the_document_and_survives_junk() -> None:
    row = sweeps.row_for(
        _event(
            {
                "triggered_by": "activity-core",
                "started_at": "2025-03-01T14:00:03+00:00",
                "duration_seconds": 4.5,
                "exit_code": 0,
                "repos_processed": [{}, {}],
                "skipped_clean": ["a"],
                "errors": [{}],
            }
        )
    )
    # Recorded before sweeps carried their health: derived, and an error means degraded.
    assert (row.triggered_by, row.processed, row.clean, row.unreadable, row.outcome) == (
        "activity-core",
        2,
        1,
        1,
        "degraded",
    )

    junk = sweeps.row_for(_event({"started_at": "yesterday", "exit_code": True, "errors": "many"}))
    assert (junk.started_at, junk.exit_code, junk.unreadable, junk.outcome) == (
        NOW,
        None,
        0,
        "no exit code",
    )


def _report(name: str, *findings: str) -> RepoReport:
    return RepoReport(name=name, path=f"/src/{name}", findings=list(findings), state=None)


def test_a_sweep_row_counts_fetch_failures_as_the_recorded_line_does() -> None:
    result = read_result(
        {
            "sweep_id": "00000000-0000-4000-8000-000000000007",
            "triggered_by": "activity-core",
            "host": "here",
            "mode": "warn",
            "max_seconds": 60,
            "started_at": NOW,
            "finished_at": NOW,
            "duration_seconds": 2.0,
            "exit_code": 0,
            "repos_total": 5,
            "repos_processed": [
                _report("billing", "fetch_failed", "behind"),
                _report("stuck", "fetch_timeout"),
                _report("api", "dirty"),
            ],
            "skipped_clean": ["web"],
            "errors": [RepoError(name="notes", path="/src/notes", message="not a git work tree")],
        }
    )
    event = dataclasses.replace(_event(result.document()), summary=result.summary())

    row = sweeps.row_for(event)

    # A timed-out fetch is a failed one, and a repo whose fetch failed was still read.
    counted = re.search(r"(\d+) fetch failed, (\d+) unreadable", event.summary)
    assert counted is not None, event.summary
    assert (row.fetch_failed, row.unreadable) == (int(counted[1]), int(counted[2])) == (2, 1)
    assert row.fetch_timed_out == 1


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-3, "just now"),
        (12, "12 s ago"),
        (600, "10 min ago"),
        (7200, "2 h ago"),
        (3 * 86400, "3 d ago"),
    ],
)
def test_ages_read_at_a_glance(seconds: float, text: str) -> None:
    assert render.ago(NOW - timedelta(seconds=seconds), NOW) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, "\u2013"), (0.04, "0.0 s"), (42.4, "42 s"), (301, "5 min 1 s")]
)
def test_durations(seconds: float | None, text: str) -> None:
    assert render.duration(seconds) == text


def test_long_paths_keep_their_last_whole_components() -> None:
    path = "/very/long/path/to/the/workspace/of/someone/who/nests/deeply/repo-name"

    short = render.short_path(path)

    # The most components that fit in 44 characters, cut at a slash: never "…ne/who/…".
    assert short == "\u2026/of/someone/who/nests/deeply/repo-name"
    assert render.short_path("/src/api") == "/src/api"
    # One component longer than the room keeps its end.
    assert render.short_path("/x/" + "y" * 60) == "\u2026" + "y" * 43
