"""``statehub cadence``: did every 15-minute slot get its sweep, and can the timer go?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer
from rich.table import Table

from durations import DurationError, format_duration, parse_duration
from statehub.cadence.document import CadenceDocument
from statehub.cadence.history import window_verdict
from statehub.cadence.marks import ACTIVITY_CORE
from statehub.cadence.verdict import DEFAULT_EVERY, DEFAULT_TOLERANCE, CadenceVerdict, Gap
from statehub.cli.context import opened
from statehub.cli.output import console, print_json
from statehub.errors import ConfigError

# With --check: the verdict is "keep the timer" (distinct from 2/3, bad input / database).
EXIT_KEEP_TIMER = 4
_MISSED_SHOWN = 10


def _duration(option: str, text: str) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise ConfigError(f"{option}: {exc}") from None


def _gap(gap: Gap | None) -> str:
    if gap is None:
        return "none"
    return (
        f"{gap.slots} slot(s), {gap.start:%Y-%m-%d %H:%M} to {gap.end:%Y-%m-%d %H:%M} UTC "
        f"({format_duration(gap.duration)})"
    )


def _render(verdict: CadenceVerdict) -> None:
    console.print(
        f"window {verdict.window_start:%Y-%m-%d %H:%M} to {verdict.window_end:%Y-%m-%d %H:%M} UTC, "
        f"every {format_duration(verdict.every)}, tolerance {format_duration(verdict.tolerance)}: "
        f"{verdict.judged} slots judged, {verdict.covered} with a sweep, "
        f"{verdict.attended} attended by {verdict.source}",
        highlight=False,
    )
    table = Table(
        "triggered by",
        "sweeps",
        "lock skips",
        "failures",
        "slots attended",
        "slots ran",
        "degraded",
        "blind",
        "fetched",
    )
    sights = {sight.source: sight for sight in verdict.sight}
    for t in verdict.totals:
        seen = sights.get(t.source)
        table.add_row(
            t.source,
            str(t.sweeps),
            str(t.lock_skips),
            str(t.failures),
            str(t.slots_attended),
            str(seen.slots_ran if seen else 0),
            str(seen.slots_degraded if seen else 0),
            str(seen.slots_blind if seen else 0),
            f"{seen.fetched}/{seen.fetch_attempted}" if seen else "-",
        )
    console.print(table)
    console.print(f"longest gap with no sweep: {_gap(verdict.longest_gap)}", highlight=False)
    console.print(
        f"longest gap without {verdict.source}: {_gap(verdict.longest_source_gap)}",
        highlight=False,
    )
    if verdict.missed:
        shown = ", ".join(f"{t:%m-%d %H:%M}" for t in verdict.missed[:_MISSED_SHOWN])
        more = len(verdict.missed) - _MISSED_SHOWN
        console.print(
            f"missed by {verdict.source}: {shown}" + (f" (+{more} more)" if more > 0 else ""),
            highlight=False,
        )
    if verdict.can_disable_timer:
        console.print(
            f"[bold green]verdict: {verdict.source} alone covered every slot; "
            "custodian-sync.timer can be disabled[/]",
            highlight=False,
        )
        return
    console.print("[bold red]verdict: keep custodian-sync.timer[/]", highlight=False)
    for reason in verdict.reasons:
        console.print(f"  - {reason}", highlight=False)


def cadence(
    since: str = typer.Option(
        "7d", "--since", help="Window to judge, back from now (15m, 2h, 7d)."
    ),
    every: str = typer.Option(
        format_duration(DEFAULT_EVERY), "--every", help="Slot length, UTC-aligned (15m = */15)."
    ),
    tolerance: str = typer.Option(
        format_duration(DEFAULT_TOLERANCE),
        "--tolerance",
        help="How late after its slot's start a fire still counts.",
    ),
    source: str = typer.Option(
        ACTIVITY_CORE, "--source", help="The triggered_by that must cover every slot alone."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the verdict as JSON, slots included."
    ),
    check: bool = typer.Option(
        False, "--check", help=f"Exit {EXIT_KEEP_TIMER} unless the timer can be disabled."
    ),
) -> None:
    """Per 15-minute slot: who swept, lock skips, failures, gaps; and whether the timer can go."""
    window = _duration("--since", since)
    slot_length = _duration("--every", every)
    late_by = _duration("--tolerance", tolerance)
    try:
        with opened(announce=not as_json) as ctx:
            verdict = window_verdict(
                ctx.store,
                now=datetime.now(UTC),
                window=window,
                every=slot_length,
                tolerance=late_by,
                source=source,
            )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if as_json:
        print_json(CadenceDocument.of(verdict).model_dump(mode="json"))
    else:
        _render(verdict)
    if check and not verdict.can_disable_timer:
        raise typer.Exit(EXIT_KEEP_TIMER)
