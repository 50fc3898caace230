"""The alert rules on plain values: damping, once per finding and remote tip, resolution,
digests, and the messages' words."""

from __future__ import annotations

from typing import Any

from statehub.fleet.explain import Detail
from statehub.notify.alerts import (
    AlertState,
    RepoSeen,
    digest_message,
    health_message,
    repo_change,
    repo_message,
    repo_messages,
    step,
)

TIP_A = {"main": "a" * 40}
TIP_B = {"main": "b" * 40}


def _run(seen: list[Any], *, after: int = 2, quiet: Any = None) -> list[tuple[Any, Any]]:
    """Feed ``seen`` one sweep at a time; what was announced, in order."""
    state: AlertState | None = None
    said = []
    for value in seen:
        state, news = step(state, "k", value, after=after, quiet={} if quiet is None else quiet)
        if news is not None:
            said.append(news)
    return said


def _sig(findings: list[str], tips: dict[str, str] | None = None) -> dict[str, str | None]:
    return RepoSeen("api", "/src/api", findings, upstream_tips=tips or TIP_A).signature()


def test_a_new_state_is_announced_once_it_held_for_after_sweeps() -> None:
    behind = _sig(["behind"])
    assert _run([behind]) == []
    assert _run([behind, behind]) == [({}, behind)]
    assert _run([behind] * 6) == [({}, behind)]  # once, however long it holds
    assert _run([behind] * 3, after=3) == [({}, behind)]
    assert _run([behind], after=1) == [({}, behind)]


def test_a_flap_is_never_announced_and_the_count_starts_again() -> None:
    behind = _sig(["behind"])
    assert _run([behind, {}, behind, {}, behind]) == []
    assert _run([behind, {}, behind, behind]) == [({}, behind)]


def test_resolution_is_announced_once_it_held_too() -> None:
    behind = _sig(["behind"])
    assert _run([behind, behind, {}, {}, {}]) == [({}, behind), (behind, {})]
    assert _run([behind, behind, {}, behind]) == [({}, behind)]  # back before it held


def test_the_same_finding_against_a_new_remote_tip_is_news_again() -> None:
    at_a, at_b = _sig(["behind"], TIP_A), _sig(["behind"], TIP_B)
    assert at_a != at_b
    said = _run([at_a, at_a, at_b, at_b, at_b])
    assert said == [({}, at_a), (at_a, at_b)]
    change = repo_change(RepoSeen("api", "/src/api", ["behind"]), *said[1])
    assert (change.new, change.gone) == (["behind"], [])


def test_findings_without_a_tip_ignore_the_remote_and_fetch_failures_are_not_repo_alerts() -> None:
    assert _sig(["dirty"], TIP_A) == _sig(["dirty"], TIP_B) == {"dirty": None}
    assert _sig(["fetch_failed", "behind"]) == _sig(["behind"])
    assert _sig(["fetch_timeout"]) == {}


def test_a_quiet_subject_from_the_start_writes_nothing() -> None:
    assert step(None, "k", {}, after=2, quiet={}) == (None, None)
    assert step(None, "health", "ok", after=2, quiet="ok") == (None, None)


def test_a_repo_message_says_what_what_it_means_and_the_command() -> None:
    detail = Detail(
        finding="behind",
        about="main: 2 behind origin/main",
        meaning="a branch's upstream has commits the branch does not: bring them in",
        suggestion="git -C /src/api pull --ff-only",
    )
    repo = RepoSeen("api", "/src/api", ["behind", "dirty"], [detail])
    message = repo_message(repo_change(repo, {"dirty": None}, {"dirty": None, "behind": "x"}))
    assert message.kind == "repo_alert"
    assert message.title == "api needs action: behind"
    assert "main: 2 behind origin/main" in message.body
    assert "→ git -C /src/api pull --ff-only" in message.body
    resolved = repo_message(repo_change(RepoSeen("api", "/src/api"), {"dirty": None}, {}))
    assert resolved.title == "api: resolved (dirty)" and "It is clean." in resolved.body


def test_more_changes_than_the_digest_threshold_are_one_digest() -> None:
    changes = [
        repo_change(RepoSeen(f"r{n}", f"/src/r{n}", ["dirty"]), {}, {"dirty": None})
        for n in range(11)
    ]
    assert len(repo_messages(changes[:10], digest_over=10)) == 10
    [digest] = repo_messages(changes, digest_over=10)
    assert digest == digest_message(changes)
    assert digest.kind == "digest" and digest.title.startswith("11 repos changed: 11 need action")


def test_health_messages_name_the_reasons_and_the_recovery() -> None:
    degraded = health_message("ok", "degraded", ["api: fetch failed"], host="h")
    assert degraded.title == "sweep degraded on h" and "• api: fetch failed" in degraded.body
    assert health_message("degraded", "ok", [], host="h").title == "sweeps recovered on h"
