"""The sweep's human output: the summary first, then the repos grouped by finding.

Only the display: the result document, the recorded event and ``--json`` never depend
on ``--only``, ``--changed`` or ``--quiet``. Every line that carries a path, a command or
git's own words is printed with ``soft_wrap``: a command wrapped into a narrow column
could not be pasted, and an error line broken mid-word could not be searched for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

import typer

from statehub.cli.output import console, shown
from statehub.fleet.explain import MEANINGS, Detail, describe, meaning
from statehub.fleet.state import Finding
from statehub.sweep.result import SweepResult

FETCH_FAILURES = (Finding.FETCH_FAILED, Finding.FETCH_TIMEOUT)


def known_findings() -> list[str]:
    return sorted(str(code) for code in MEANINGS)


def checked_only(values: list[str] | None) -> set[str]:
    """The ``--only`` codes, refused (exit 2) when one is not a finding State Hub reports."""
    wanted = set(values or [])
    unknown = sorted(wanted - set(known_findings()))
    if unknown:
        raise typer.BadParameter(
            f"unknown finding {', '.join(map(repr, unknown))}; "
            f"valid: {', '.join(known_findings())}",
            param_hint="--only",
        )
    return wanted


@dataclass(frozen=True)
class Entry:
    name: str
    detail: Detail


def grouped(result: SweepResult) -> dict[str, list[Entry]]:
    """Each finding the sweep saw, with every repo it holds for; unreadable and missing
    repos are findings here too, so that nothing the sweep saw escapes the groups."""
    groups: dict[str, list[Entry]] = {}
    for repo in result.repos_processed:
        details = repo.details or [describe(code, repo.path) for code in repo.findings]
        for detail in details:
            groups.setdefault(detail.finding, []).append(Entry(repo.name, detail))
    for error in result.errors:
        detail = describe("error", error.path)
        groups.setdefault("error", []).append(
            Entry(error.name, Detail("error", error.message, detail.meaning, None))
        )
    for name in result.skipped_missing:
        groups.setdefault("missing", []).append(Entry(name, describe("missing", "")))
    return groups


def filtered(
    groups: dict[str, list[Entry]], *, only: Collection[str], changed: Collection[str] | None
) -> dict[str, list[Entry]]:
    kept: dict[str, list[Entry]] = {}
    for finding, entries in groups.items():
        if only and finding not in only:
            continue
        chosen = [e for e in entries if changed is None or e.name in changed]
        if chosen:
            kept[finding] = chosen
    return kept


def _counts(groups: dict[str, list[Entry]]) -> str:
    counts = Counter({finding: len(entries) for finding, entries in groups.items()})
    return ", ".join(f"{shown(f)} {n}" for f, n in sorted(counts.items())) or "none"


def print_summary(result: SweepResult, groups: dict[str, list[Entry]]) -> None:
    fetch_failed = {e.name for f in FETCH_FAILURES for e in groups.get(f, [])}
    lines = [
        f"[bold]{result.repos_total} repos[/]: {len(result.repos_processed)} need action, "
        f"{len(result.skipped_clean)} clean, {len(result.skipped_missing)} missing, "
        f"{len(result.skipped_budget)} over budget, {len(fetch_failed)} fetch failed, "
        f"{len(result.errors)} unreadable",
        f"findings: {_counts(groups)}",
        f"health: [bold]{result.health}[/]",
    ]
    lines += [f"  {shown(reason)}" for reason in result.health_reasons]
    console.print("\n".join(lines), highlight=False, soft_wrap=True)


def print_groups(groups: dict[str, list[Entry]]) -> None:
    for finding, entries in sorted(groups.items()):
        console.print(
            f"\n[bold]{shown(finding)}[/] ({len(entries)}) — {shown(meaning(finding))}",
            highlight=False,
            soft_wrap=True,
        )
        for entry in entries:
            lines = [f"  [bold]{shown(entry.name)}[/]"]
            # git's line and the command each get a line of their own, never a column.
            lines += [f"    {shown(line)}" for line in entry.detail.about.splitlines() if line]
            # One command a line, so that each can be pasted as it stands.
            commands = entry.detail.commands or (
                (entry.detail.suggestion,) if entry.detail.suggestion else ()
            )
            lines += [f"    next: {shown(command)}" for command in commands]
            console.print("\n".join(lines), highlight=False, soft_wrap=True)
