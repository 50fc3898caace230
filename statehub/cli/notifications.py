"""``statehub notifications``: what was announced, to which channel, and whether it went."""

from __future__ import annotations

import typer
from rich.table import Table

from statehub.cli.context import opened
from statehub.cli.output import cell, console, print_json


def notifications(
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show the last notifications (alerts, digests, health, overdue, pings): what, to which
    channel (secrets hidden), when, and whether it was delivered or why not."""
    # Here, not at the top: every other command's start-up would pay for the store's modules.
    from statehub.notify.document import NotificationOut
    from statehub.store.deliveries import recent

    with opened(announce=not as_json) as ctx, ctx.store.reading() as db:
        found = recent(db, limit=limit)
    if as_json:
        print_json([NotificationOut.model_validate(d).model_dump(mode="json") for d in found])
        return
    if not found:
        console.print("no notifications yet (STATEHUB_NOTIFY or notify: in the config file)")
        return
    table = Table("id", "created (UTC)", "kind", "what", "channel", "status", "error")
    for d in found:
        status = d.status if d.status != "failed" else f"failed (attempt {d.attempts}), retrying"
        table.add_row(
            str(d.id),
            d.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            d.kind,
            cell(d.title),
            cell(d.channel),
            status,
            cell(d.last_error or ""),
        )
    console.print(table)
