"""The ``statehub`` command line. Library errors become one message and an exit status here.

One module per command group; ``commands`` assembles them into the typer app. The entry
points (``statehub``, ``python -m statehub``, ``scripts/consistency_check.py``) call ``main``;
nothing in the product imports this package.

``main`` imports almost nothing itself: the command the timer runs every few minutes,
``statehub sweep --remote-all --no-fetch --json``, goes through ``fastpath`` and never loads
typer, rich or the other commands (issue 15: start-up that costs nothing). Every other
command line, ``--help`` included, is typer's as before.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

from statehub.errors import ConfigError, HomeUnusable, RegistryError, StateHubError, StoreError

if TYPE_CHECKING:
    import typer

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
        _run(sys.argv[1:])
    except StateHubError as exc:
        _fail(f"[bold red]error:[/] {_shown(exc)}", _exit_status(exc))
    except KeyboardInterrupt:
        _fail("interrupted", 130)


def _run(argv: list[str]) -> None:
    from statehub.cli.fastpath import sweep_args

    args = sweep_args(argv)
    if args is not None:
        from statehub.cli.sweep_run import run_sweep

        sys.exit(run_sweep(args))
    from statehub.cli.commands import app

    app()


def _shown(exc: StateHubError) -> str:
    from statehub.cli.output import shown

    return shown(exc)


def _fail(message: str, status: int) -> NoReturn:
    # rich only now: a failing command may pay for it, the timer's clean sweep does not.
    from statehub.cli.output import err_console

    err_console.print(message, highlight=False, soft_wrap=True)  # one line, whatever the width
    sys.exit(status)


def __getattr__(name: str) -> typer.Typer:
    # ``from statehub.cli import app`` (tests, other tools) still finds the typer app, built
    # only when asked for.
    if name == "app":
        from statehub.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
