"""``statehub progress``: read recorded progress events, newest first."""

from __future__ import annotations

import typer
from rich.table import Table

from statehub.cli.context import opened
from statehub.cli.output import cell, console, print_json
from statehub.documents import ProgressEventOut
from statehub.health import health_of
from statehub.store.events import ProgressEvent, list_events
from statehub.sweep.result import EVENT_TYPE


def _health_cell(event: ProgressEvent) -> str:
    if event.event_type != EVENT_TYPE:
        return "-"
    # Also for sweeps recorded before the document carried it: derived, and marked so.
    health, reasons, derived = health_of(event.payload)
    text = f"{health}{'*' if derived else ''}"
    return f"{text}: {'; '.join(reasons)}" if reasons else text


def progress(
    event_type: str | None = typer.Option(None, "--event-type", help="Only this event type."),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many events."),
    before: int | None = typer.Option(None, "--before", min=1, help="Only events older than id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show progress events, newest first (e.g. --event-type consistency_sweep_remote_all)."""
    with opened(announce=not as_json) as ctx, ctx.store.reading() as db:
        events = list_events(db, event_type=event_type, limit=limit, before_id=before)
    if as_json:
        print_json([ProgressEventOut.model_validate(e).model_dump(mode="json") for e in events])
        return
    table = Table("id", "created (UTC)", "type", "triggered by", "health", "summary")
    for e in events:
        table.add_row(
            str(e.id),
            e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            cell(e.event_type),
            cell(e.triggered_by or "-"),
            _health_cell(e),
            # Other producers write summaries (POST /progress/): any text but NUL.
            cell(e.summary),
        )
    console.print(table)
    if any(e.event_type == EVENT_TYPE and health_of(e.payload)[2] for e in events):
        console.print("* derived: recorded before sweeps carried their health")
