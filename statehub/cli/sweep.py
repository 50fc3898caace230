"""``statehub sweep --remote-all``: run one sweep now."""

from __future__ import annotations

import sys

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from statehub.cli.context import opened
from statehub.cli.output import cell, console, err_console, print_json, shown
from statehub.fleet.explain import describe
from statehub.health import Health
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import Mode, SweepCannotStart, SweepNotRecorded, SweepResult


def _names(names: list[str]) -> str:
    return ", ".join(shown(name) for name in names)


def _needs_action(result: SweepResult) -> Table:
    """One row per finding: what it is about and what to type next, for that repo."""
    table = Table("repo", "finding", "about", "next", title="needs action")
    for r in result.repos_processed:
        details = r.details or [describe(code, r.path) for code in r.findings]
        for index, detail in enumerate(details):
            table.add_row(
                cell(r.name) if index == 0 else "",
                cell(detail.finding),
                cell(detail.about or detail.meaning),
                cell(detail.suggestion or ""),
            )
        for action in r.actions:
            table.add_row(cell(r.name) if not details else "", "fix mode", cell(action), "")
    return table


def _render(result: SweepResult) -> None:
    if result.health == Health.FAILED:
        return  # main() prints why, on stderr
    if result.lock_skipped:
        held = result.held_by
        who = f"{held.triggered_by} (pid {held.pid}, sweep {held.sweep_id})" if held else "?"
        console.print(f"[yellow]lock skipped[/]: another sweep is running — {shown(who)}")
        return
    if result.repos_processed:
        console.print(_needs_action(result))
    for error in result.errors:
        console.print(f"[red]error[/] {shown(error.name)}: {shown(error.message)}", highlight=False)
    if result.skipped_missing:
        console.print(f"[yellow]missing[/]: {_names(result.skipped_missing)}", highlight=False)
    if result.skipped_budget:
        console.print(
            f"[yellow]not reached within {result.max_seconds:g}s[/]: "
            f"{_names(result.skipped_budget)}",
            highlight=False,
        )
    for reason in result.health_reasons:
        console.print(f"[yellow]degraded[/]: {shown(reason)}", highlight=False)
    console.print(
        f"[bold]{result.summary()}[/] in {result.duration_seconds:.1f}s "
        f"(sweep {result.sweep_id}, health {result.health}, exit {result.exit_code})",
        highlight=False,
    )


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
) -> None:
    """Run the remote-all consistency sweep once and record its progress event."""
    request = SweepRequest(
        max_seconds=max_seconds,
        mode=mode,
        triggered_by=triggered_by,
        caller_run_id=caller_run_id,
        fetch=not no_fetch,
    )
    # The sweep creates its home itself, so that it can record its failure to.
    with opened(announce=not as_json, create_home=False) as ctx:
        sweeper = Sweeper(ctx.settings, ctx.store)
        try:
            if as_json or not sys.stderr.isatty():
                result = sweeper.run(request)
            else:
                result = _run_with_progress(sweeper, request)
        except (SweepNotRecorded, SweepCannotStart) as exc:
            # What the sweep found (or that it failed) is printed all the same; main()
            # then prints why, one line, and exits 3.
            _show(exc.result, as_json)
            raise
    _show(result, as_json)
    raise typer.Exit(result.exit_code)


def _show(result: SweepResult, as_json: bool) -> None:
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        _render(result)


def _run_with_progress(sweeper: Sweeper, request: SweepRequest) -> SweepResult:
    columns = (
        TextColumn("[bold]sweeping"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def advance(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=shown(name))

        return sweeper.run(request, on_progress=advance)
