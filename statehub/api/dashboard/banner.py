"""The dashboard's banner: what matters first, as an ordered list of lines. Pure: no I/O.

The order is the order an operator must act in: the sweep is overdue (nothing looks at the
fleet any more), the last sweep failed or was degraded (it looked, but not at all of it),
repos need action (it looked and found work), and only when none of those holds, "on
schedule, all N repos clean". Every line that holds is shown; the first is the headline and
sets the banner's colour, so a fleet where 200 of 200 repos need action never reads as a
green "on schedule".

``banner`` takes plain values (a verdict, reasons, counts), not records, so the page can
build it from the registry and the events or from pre-computed per-sweep summaries alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Level = Literal["overdue", "failed", "degraded", "action", "unchecked", "empty", "ok"]

# The colour of each level: red when nothing (or nothing whole) is looking at the fleet,
# amber when a sweep saw only part of it, orange for work waiting in the repos.
TONES: dict[str, str] = {
    "overdue": "bad",
    "failed": "bad",
    "degraded": "warn",
    "action": "action",
    "unchecked": "none",
    "empty": "none",
    "ok": "ok",
}
ICONS: dict[str, str] = {
    "overdue": "!",
    "failed": "\u2715",  # ✕
    "degraded": "!",
    "action": "\u2191",  # ↑: something to push, pull or finish
    "unchecked": "?",
    "empty": "\u2013",
    "ok": "\u2713",  # ✓
}

# Enough kinds to see the shape of the work at a glance; the filter shows every kind.
TOP_FINDINGS = 5


@dataclass(frozen=True)
class FindingCount:
    code: str
    count: int  # repos with this finding


@dataclass(frozen=True)
class BannerLine:
    level: Level
    title: str
    reasons: tuple[str, ...] = ()
    findings: tuple[FindingCount, ...] = ()  # the top findings, for "N repos need action"
    more_kinds: int = 0  # finding kinds beyond the top ones
    derived: bool = False  # the health was derived from a record older than the field

    @property
    def tone(self) -> str:
        return TONES[self.level]

    @property
    def icon(self) -> str:
        return ICONS[self.level]


@dataclass(frozen=True)
class Banner:
    lines: tuple[BannerLine, ...]
    on_schedule: bool  # the page names the last sweep that ran when it is

    @property
    def headline(self) -> BannerLine:
        return self.lines[0]

    @property
    def level(self) -> Level:
        return self.headline.level

    @property
    def rest(self) -> tuple[BannerLine, ...]:
        return self.lines[1:]


def _repos(n: int) -> str:
    return "1 repo" if n == 1 else f"{n} repos"


def _need(n: int) -> str:
    return "needs" if n == 1 else "need"


def top_findings(findings: Mapping[str, int], limit: int = TOP_FINDINGS) -> list[FindingCount]:
    """The most common findings first (ties by code, so the order is stable)."""
    ranked = sorted(
        (FindingCount(code, count) for code, count in findings.items() if count > 0),
        key=lambda f: (-f.count, f.code),
    )
    return ranked[:limit]


def _action_line(needs_action: int, total: int, findings: Mapping[str, int]) -> BannerLine:
    top = top_findings(findings)
    kinds = sum(1 for count in findings.values() if count > 0)
    return BannerLine(
        "action",
        f"{needs_action} of {_repos(total)} {_need(needs_action)} action",
        findings=tuple(top),
        more_kinds=kinds - len(top),
    )


def _health_line(health: str | None, reasons: Sequence[str], derived: bool) -> BannerLine | None:
    if health == "failed":
        return BannerLine("failed", "Last sweep failed", tuple(reasons), derived=derived)
    if health == "degraded":
        title = "Degraded: the last sweep did not see the whole fleet"
        return BannerLine("degraded", title, tuple(reasons), derived=derived)
    return None


def _calm_line(*, total: int, clean: int, unchecked: int) -> BannerLine:
    """The headline when nothing above holds."""
    if total == 0:
        return BannerLine("empty", "On schedule; no repos registered yet")
    if unchecked:
        return BannerLine(
            "unchecked",
            f"{unchecked} of {_repos(total)} not checked yet",
            (f"{clean} clean so far; the next sweep checks the rest",),
        )
    if total == 1:
        return BannerLine("ok", "On schedule, the one repo clean")
    return BannerLine("ok", f"On schedule, all {total} repos clean")


def banner(
    *,
    overdue: bool,
    overdue_reason: str | None,
    health: str | None,
    health_reasons: Sequence[str],
    health_derived: bool,
    total: int,
    needs_action: int,
    clean: int,
    unchecked: int,
    findings: Mapping[str, int],
) -> Banner:
    """Every line that holds, most urgent first.

    ``findings`` counts the repos per finding code (and per ``error`` / ``missing``) among
    those needing action; ``health`` is the last sweep attempt's (``None``: none yet).
    """
    lines: list[BannerLine] = []
    if overdue:
        reasons = (overdue_reason,) if overdue_reason else ()
        lines.append(BannerLine("overdue", "Sweep overdue", reasons))
    health_line = _health_line(health, health_reasons, health_derived)
    if health_line is not None:
        lines.append(health_line)
    if needs_action:
        lines.append(_action_line(needs_action, total, findings))
    if not lines:
        lines.append(_calm_line(total=total, clean=clean, unchecked=unchecked))
    return Banner(tuple(lines), on_schedule=not overdue)
