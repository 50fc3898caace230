"""The typer app: every ``statehub`` command and group, with its options and ``--help``.

Importing this module imports every command's module (and typer and rich); ``main`` does so
only for a command line the fast path leaves to typer.
"""

from __future__ import annotations

import typer

from statehub.cli import (
    cadence,
    demo,
    doctor,
    notifications,
    progress,
    prune,
    repos,
    serve,
    sweep,
)

app = typer.Typer(
    name="statehub",
    help="Keep a fleet of git repositories consistent with their remotes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(repos.app, name="repos")
app.command("sweep")(sweep.sweep)
app.command("progress")(progress.progress)
app.command("notifications")(notifications.notifications)
app.command("cadence")(cadence.cadence)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("doctor")(doctor.doctor)
app.command("prune")(prune.prune)
