"""``statehub prune``: delete the history older than the retention (STATEHUB_RETENTION)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer

from durations import DurationError, format_duration, parse_duration
from statehub.cadence.history import MAX_WINDOW
from statehub.cli.context import opened
from statehub.cli.output import console, print_json
from statehub.errors import ConfigError
from statehub.store.retention import prune as prune_store
from statehub.store.retention import record_prune


def _older_than(text: str | None, default: timedelta) -> timedelta:
    if text is None:
        return default
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise ConfigError(f"--older-than: {exc}") from None


def prune(
    older_than: str | None = typer.Option(
        None, "--older-than", help="e.g. 90d, 12w (default: STATEHUB_RETENTION, 90d)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would go; delete nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Delete progress events and repo changes older than the retention.

    Kept whatever their age: the cadence verdict's window (the last 31 days of events),
    the newest event of each kind, and the changes that say since when each repo's current
    findings have held.
    """
    with opened(announce=not as_json) as ctx:
        window = _older_than(older_than, ctx.settings.retention)
        report = prune_store(
            ctx.store,
            now=datetime.now(UTC),
            older_than=window,
            keep_window=MAX_WINDOW,
            dry_run=dry_run,
        )
        if not dry_run:
            with ctx.store.session() as db:
                record_prune(db, report, triggered_by="cli")
    if as_json:
        print_json(report.document())
        return
    console.print(f"older than {format_duration(window)}: {report.sentence()}", highlight=False)
