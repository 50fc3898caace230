"""``statehub sweep --remote-all``: run one sweep now."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from statehub.cli import findings
from statehub.cli.context import opened
from statehub.cli.output import console, err_console, print_json, shown
from statehub.health import Health
from statehub.notify import sweep_observers
from statehub.store.history import changed_by
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import Mode, SweepCannotStart, SweepNotRecorded, SweepResult


def _names(names: list[str]) -> str:
    return ", ".join(shown(name) for name in names)


@dataclass(frozen=True)
class _View:
    """What the operator asked to see; the document and the event never depend on it."""

    only: set[str] = field(default_factory=set)
    changed: set[str] | None = None  # None: every repo
    quiet: bool = False


def _render(result: SweepResult, view: _View) -> None:
    if result.health == Health.FAILED:
        return  # main() prints why, on stderr
    if result.lock_skipped:
        held = result.held_by
        who = f"{held.triggered_by} (pid {held.pid}, sweep {held.sweep_id})" if held else "?"
        console.print(f"[yellow]lock skipped[/]: another sweep is running — {shown(who)}")
        return
    groups = findings.grouped(result)
    findings.print_summary(result, groups)
    console.print(
        f"{result.duration_seconds:.1f}s (sweep {result.sweep_id}, exit {result.exit_code})",
        highlight=False,
    )
    if view.quiet:
        return
    findings.print_groups(findings.filtered(groups, only=view.only, changed=view.changed))
    if view.changed is not None and not view.only:
        # A repo that became clean is a change too, though no finding's group holds it.
        cleared = [name for name in result.skipped_clean if name in view.changed]
        if cleared:
            console.print(f"\n[green]now clean[/]: {_names(cleared)}", highlight=False)
    for r in result.repos_processed:
        for action in r.actions:
            console.print(f"fix mode: {shown(r.name)}: {shown(action)}", highlight=False)
    if result.skipped_budget:
        console.print(
            f"[yellow]not reached within {result.max_seconds:g}s[/]: "
            f"{_names(result.skipped_budget)}",
            highlight=False,
            soft_wrap=True,
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
    view = _View(only=findings.checked_only(only), quiet=quiet)
    request = SweepRequest(
        max_seconds=max_seconds,
        mode=mode,
        triggered_by=triggered_by,
        caller_run_id=caller_run_id,
        fetch=not no_fetch,
    )
    # The sweep creates its home itself, so that it can record its failure to.
    with opened(announce=not as_json, create_home=False) as ctx:
        sweeper = Sweeper(ctx.settings, ctx.store, sweep_observers(ctx.settings, ctx.store))
        try:
            if as_json or not sys.stderr.isatty():
                result = sweeper.run(request)
            else:
                result = _run_with_progress(sweeper, request)
        except (SweepNotRecorded, SweepCannotStart) as exc:
            # What the sweep found (or that it failed) is printed all the same; main()
            # then prints why, one line, and exits 3.
            _show(exc.result, as_json, view)
            raise
        if changed and not as_json:
            with ctx.store.reading() as db:
                view = replace(view, changed=changed_by(db, sweep_id=str(result.sweep_id)))
    _show(result, as_json, view)
    raise typer.Exit(result.exit_code)


def _show(result: SweepResult, as_json: bool, view: _View) -> None:
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        _render(result, view)


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
