"""``statehub progress``: read recorded progress events, newest first."""

from __future__ import annotations

import typer
from rich.table import Table

from statehub.cli.context import opened
from statehub.cli.output import console, print_json
from statehub.documents import ProgressEventOut
from statehub.store.events import list_events


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
    table = Table("id", "created (UTC)", "type", "triggered by", "summary")
    for e in events:
        table.add_row(
            str(e.id),
            e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.event_type,
            e.triggered_by or "-",
            e.summary,
        )
    console.print(table)
