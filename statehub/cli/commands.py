"""The ``statehub`` command line. Library errors become one message and an exit status here.

One module per command group. The entry points (``statehub``, ``python -m statehub``,
``scripts/consistency_check.py``) import it; nothing in the product does.
"""

from __future__ import annotations

import sys

import typer

from statehub.cli import cadence, demo, doctor, progress, prune, repos, serve, sweep
from statehub.cli.output import err_console, shown
from statehub.errors import ConfigError, HomeUnusable, RegistryError, StateHubError, StoreError

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
app.command("cadence")(cadence.cadence)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("doctor")(doctor.doctor)
app.command("prune")(prune.prune)

# Exit statuses beyond the sweep's own exit_code (0 ok, 1 fix-mode findings remain).
EXIT_BAD_INPUT = 2
EXIT_STORE = 3  # also: the sweep could not start (its home or lock file is unusable)


def _exit_status(exc: StateHubError) -> int:
    if isinstance(exc, StoreError | HomeUnusable):
        return EXIT_STORE
    if isinstance(exc, ConfigError | RegistryError):
        return EXIT_BAD_INPUT
    return EXIT_BAD_INPUT


def main() -> None:
    try:
        app()
    except StateHubError as exc:
        err_console.print(
            f"[bold red]error:[/] {shown(exc)}", highlight=False, soft_wrap=True
        )  # one line per error, whatever the width
        sys.exit(_exit_status(exc))
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
