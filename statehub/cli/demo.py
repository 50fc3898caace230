"""``statehub demo``: build a small fleet of real repos in every state, and register it."""

from __future__ import annotations

import typer

from statehub.cli.context import opened
from statehub.cli.output import console, shown
from statehub.demofleet import build_demo_fleet
from statehub.registry import discover_into


def demo() -> None:
    """Build a demo fleet under $STATEHUB_HOME/demo-fleet (once) and register it."""
    with opened() as ctx:
        root = ctx.settings.home / "demo-fleet"
        if not root.exists():
            build_demo_fleet(root)
            console.print(f"built a demo fleet under {shown(root)}", highlight=False)
        with ctx.store.session() as db:
            report = discover_into(db, roots=[root / "repos"])
    console.print(
        f"{len(report.added)} demo repos registered, {len(report.known)} already known; "
        "next: `statehub sweep --remote-all`"
    )
    raise typer.Exit(0)
