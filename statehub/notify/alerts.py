"""What is announced, and when. Pure: no I/O, no clock, no database.

Three kinds of subject, each with a stored ``AlertState`` under its key:

* a repo (``repo:NAME``): its findings, each with the remote tip it was seen against for
  the findings about a branch and its upstream (ahead, behind, diverged) — so a repo that
  stays behind the same commit is announced once, and again only when the remote moves on;
* the sweep's ``health`` (ok, degraded, failed);
* ``overdue``: whether a sweep ran within cadence + grace (the server's watchdog).

Damping: a subject's new state must be *seen* ``after`` times in a row before it is
announced; a flap of one sweep (a fetch that failed once) says nothing. Once announced,
it is kept as ``announced`` and nothing more is said until the state changes again.

Fetch failures are not a repo's alert: they make the sweep degraded, which is announced
once for the fleet rather than once per repo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from statehub.fleet.explain import Detail, meaning

REPO_PREFIX: Final = "repo:"
HEALTH_KEY: Final = "health"
OVERDUE_KEY: Final = "overdue"
# Said by the sweep's health, once, not by each repo whose fetch failed.
NOT_REPO_ALERTS: Final = frozenset({"fetch_failed", "fetch_timeout"})
# Findings about a branch against its upstream: their "tip" is the upstream's commit.
TIPPED: Final = frozenset({"ahead", "behind", "diverged"})
# In a digest: enough names to act on from a phone; `statehub repos list` has the rest.
DIGEST_NAMES: Final = 20


@dataclass(frozen=True)
class AlertState:
    key: str
    announced: Any = None  # what was last announced; None: nothing yet
    candidate: Any = None  # the state seen lately, and for how many sweeps in a row
    streak: int = 0


@dataclass(frozen=True)
class Message:
    kind: str  # repo_alert, digest, health, overdue (the outbox's kinds)
    title: str
    body: str


def step(
    state: AlertState | None, key: str, seen: Any, *, after: int, quiet: Any
) -> tuple[AlertState | None, tuple[Any, Any] | None]:
    """One more observation of ``key``: its state to store (``state`` itself when nothing
    changed, so a quiet fleet writes nothing) and, when it is to be announced now,
    ``(before, after)``. ``quiet`` is what "nothing announced yet" stands for (a clean
    repo, a healthy sweep, on schedule): being it from the start is not news."""
    before = quiet if state is None or state.announced is None else state.announced
    if seen == before:
        if state is None or state.candidate is None:
            return state, None
        return replace(state, candidate=None, streak=0), None  # a flap that did not hold
    current = state or AlertState(key=key)
    streak = current.streak + 1 if current.candidate == seen else 1
    if streak >= after:
        return AlertState(key, announced=seen), (before, seen)
    return replace(current, candidate=seen, streak=streak), None


# --- repos -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RepoSeen:
    """What one sweep saw of one repo, as the alerts need it."""

    name: str
    path: str
    findings: Sequence[str] = ()
    details: Sequence[Detail] = ()
    upstream_tips: Mapping[str, str | None] = field(default_factory=dict)  # branch -> commit

    def signature(self) -> dict[str, str | None]:
        """finding -> the remote tip it holds against (None for findings without one)."""
        tip = _tip(self.upstream_tips)
        return {
            f: (tip if f in TIPPED else None)
            for f in sorted(self.findings)
            if f not in NOT_REPO_ALERTS
        }


def _tip(tips: Mapping[str, str | None]) -> str | None:
    known = sorted(f"{branch}@{commit[:12]}" for branch, commit in tips.items() if commit)
    return " ".join(known) or None


@dataclass(frozen=True)
class RepoChange:
    repo: RepoSeen
    new: list[str]  # findings that appeared (or whose remote tip moved on)
    gone: list[str]  # findings announced before that no longer hold

    @property
    def resolved(self) -> bool:
        return not self.new


def repo_change(repo: RepoSeen, before: Mapping[str, Any], after: Mapping[str, Any]) -> RepoChange:
    new = [f for f in after if f not in before or before[f] != after[f]]
    gone = [f for f in before if f not in after]
    return RepoChange(repo, new=new, gone=gone)


def repo_message(change: RepoChange) -> Message:
    repo = change.repo
    if change.resolved:
        return Message(
            "repo_alert",
            f"{repo.name}: resolved ({', '.join(change.gone)})",
            f"{repo.name} ({repo.path}) no longer needs action for: "
            + ", ".join(change.gone)
            + ("." if repo.findings else ". It is clean."),
        )
    details = {d.finding: d for d in repo.details}
    lines = [f"{repo.name} ({repo.path}) needs action:"]
    for finding in change.new:
        detail = details.get(finding)
        about = f" — {detail.about}" if detail and detail.about else ""
        lines.append(f"• {finding}{about}: {detail.meaning if detail else meaning(finding)}")
        if detail and detail.suggestion:
            lines.append(f"  → {detail.suggestion}")
    if change.gone:
        lines.append(f"No longer: {', '.join(change.gone)}.")
    return Message(
        "repo_alert", f"{repo.name} needs action: {', '.join(change.new)}", "\n".join(lines)
    )


def digest_message(changes: Sequence[RepoChange]) -> Message:
    """One message for a sweep in which many repos changed at once (a remote everybody
    tracks moved on, a network outage ending): one alert, not a storm."""
    needing = [c for c in changes if not c.resolved]
    resolved = [c for c in changes if c.resolved]
    lines: list[str] = []
    for label, group in (("need action", needing), ("resolved", resolved)):
        if not group:
            continue
        lines.append(f"{len(group)} repos {label}:")
        for c in group[:DIGEST_NAMES]:
            findings = c.new if not c.resolved else c.gone
            lines.append(f"• {c.repo.name}: {', '.join(findings)}")
        if len(group) > DIGEST_NAMES:
            lines.append(f"• … and {len(group) - DIGEST_NAMES} more")
    lines.append("`statehub repos list --changed` shows each with the commands to go on.")
    title = f"{len(changes)} repos changed: {len(needing)} need action, {len(resolved)} resolved"
    return Message("digest", title, "\n".join(lines))


def repo_messages(changes: Sequence[RepoChange], *, digest_over: int) -> list[Message]:
    if len(changes) > digest_over:
        return [digest_message(changes)]
    return [repo_message(c) for c in changes]


# --- the fleet -------------------------------------------------------------------------


def health_message(before: str, after: str, reasons: Sequence[str], *, host: str) -> Message:
    if after == "ok":
        return Message(
            "health",
            f"sweeps recovered on {host}",
            f"The sweep sees the whole fleet again (it was {before}).",
        )
    why = "\n".join(f"• {reason}" for reason in reasons) or "• (no reason recorded)"
    what = (
        "failed: it could not run"
        if after == "failed"
        else "degraded: part of the fleet went unseen"
    )
    return Message("health", f"sweep {after} on {host}", f"The sweep {what}.\n{why}")


def overdue_message(overdue: bool, reason: str | None, *, host: str) -> Message:
    if overdue:
        return Message(
            "overdue", f"sweep overdue on {host}", reason or "no sweep ran within cadence + grace"
        )
    return Message(
        "overdue", f"sweep back on schedule on {host}", "A sweep ran within cadence + grace again."
    )
