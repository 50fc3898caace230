"""``statehub sweep --remote-all``: run one sweep now (typer's side: options and help).

The timer's ``--json`` command line usually skips this module (see ``fastpath``); both end
in ``sweep_run.run_sweep``.
"""

from __future__ import annotations

import typer

from statehub.cli import findings
from statehub.cli.sweep_args import SweepArgs, View
from statehub.cli.sweep_run import run_sweep
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import Mode


def sweep(
    remote_all: bool = typer.Option(
        True, "--remote-all", help="Sweep every registered repo, fetching all remotes."
    ),
    max_seconds: float = typer.Option(
        300.0, "--max-seconds", min=1, max=3600, help="Wall-clock budget for the whole sweep."
    ),
    mode: Mode = typer.Option(Mode.WARN, "--mode", help="warn: report only; fix: safe fixes."),
    triggered_by: str = typer.Option("manual", "--triggered-by", help="Who asked (recorded)."),
    caller_run_id: str | None = typer.Option(None, "--caller-run-id", help="Caller's run id."),
    as_json: bool = typer.Option(False, "--json", help="Print the result document alone."),
    no_fetch: bool = typer.Option(False, "--no-fetch", help="Inspect without fetching."),
    only: list[str] | None = typer.Option(
        None, "--only", metavar="FINDING", help="Show only repos with this finding (repeatable)."
    ),
    changed: bool = typer.Option(
        False, "--changed", help="Show only repos whose findings changed since the last sweep."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="Show the summary only."),
) -> None:
    """Run the remote-all consistency sweep once and record its progress event.

    --only, --changed and --quiet filter what is shown on the terminal only: the result
    document, the recorded event and --json are the same with or without them.
    """
    args = SweepArgs(
        request=SweepRequest(
            max_seconds=max_seconds,
            mode=mode,
            triggered_by=triggered_by,
            caller_run_id=caller_run_id,
            fetch=not no_fetch,
        ),
        as_json=as_json,
        view=View(only=findings.checked_only(only), quiet=quiet),
        changed=changed,
    )
    raise typer.Exit(run_sweep(args))
