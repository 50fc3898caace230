"""The banner's rule: what matters first, in order. Pure: table tests, no I/O."""

from __future__ import annotations

from typing import Any

import pytest

from statehub.api.dashboard.banner import banner, top_findings

CALM: dict[str, Any] = {
    "overdue": False,
    "overdue_reason": None,
    "health": "ok",
    "health_reasons": [],
    "health_derived": False,
    "total": 5,
    "needs_action": 0,
    "clean": 5,
    "unchecked": 0,
    "findings": {},
}
ACTION = {"needs_action": 2, "clean": 3, "findings": {"dirty": 2, "ahead": 1}}
DEGRADED = {"health": "degraded", "health_reasons": ["1 of 5 repos could not be fetched"]}
OVERDUE = {"overdue": True, "overdue_reason": "the last sweep that ran finished 40.0 min ago"}


@pytest.mark.parametrize(
    ("facts", "levels"),
    [
        ({}, ["ok"]),
        (ACTION, ["action"]),
        (DEGRADED, ["degraded"]),
        (DEGRADED | ACTION, ["degraded", "action"]),
        (OVERDUE, ["overdue"]),
        (OVERDUE | DEGRADED | ACTION, ["overdue", "degraded", "action"]),
        ({"health": "failed", "health_reasons": ["the sweep could not start"]}, ["failed"]),
        (OVERDUE | {"health": None, "total": 0, "clean": 0}, ["overdue"]),
        ({"total": 0, "clean": 0}, ["empty"]),
        ({"clean": 3, "unchecked": 2}, ["unchecked"]),
    ],
)
def test_every_line_that_holds_is_shown_most_urgent_first(
    facts: dict[str, Any], levels: list[str]
) -> None:
    shown = banner(**(CALM | facts))

    assert [line.level for line in shown.lines] == levels
    assert shown.level == levels[0]


def test_a_fleet_where_every_repo_needs_action_is_never_green() -> None:
    findings = {"dirty": 150, "behind": 120, "ahead": 40, "stash": 9, "diverged": 3, "missing": 1}
    shown = banner(**(CALM | {"total": 200, "clean": 0, "needs_action": 200, "findings": findings}))

    assert shown.level == "action" and shown.headline.tone == "action"
    assert shown.headline.title == "200 of 200 repos need action"
    assert [(f.code, f.count) for f in shown.headline.findings] == [
        ("dirty", 150),
        ("behind", 120),
        ("ahead", 40),
        ("stash", 9),
        ("diverged", 3),
    ]
    assert shown.headline.more_kinds == 1
    assert shown.on_schedule  # said, but not as the headline


def test_the_words_and_colours_of_each_level() -> None:
    overdue = banner(**(CALM | OVERDUE)).headline
    assert (overdue.title, overdue.tone, overdue.reasons) == (
        "Sweep overdue",
        "bad",
        ("the last sweep that ran finished 40.0 min ago",),
    )
    degraded = banner(**(CALM | DEGRADED)).headline
    assert degraded.tone == "warn" and degraded.reasons == ("1 of 5 repos could not be fetched",)
    assert degraded.title.startswith("Degraded")
    assert banner(**CALM).headline.title == "On schedule, all 5 repos clean"
    assert banner(**CALM).headline.tone == "ok"
    one = banner(**(CALM | {"total": 1, "clean": 0, "needs_action": 1, "findings": {"ahead": 1}}))
    assert one.headline.title == "1 of 1 repo needs action"
    assert not banner(**(CALM | OVERDUE)).on_schedule


def test_top_findings_break_ties_by_code_and_drop_zeros() -> None:
    ranked = top_findings({"stash": 2, "ahead": 2, "dirty": 0, "behind": 5})

    assert [(f.code, f.count) for f in ranked] == [("behind", 5), ("ahead", 2), ("stash", 2)]
