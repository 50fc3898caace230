"""A sweep on a terminal: the progress bar while it runs, then the summary and the repos
grouped by finding (``findings``). Imported only when a human reads the output."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from statehub.cli import findings
from statehub.cli.output import console, err_console, shown
from statehub.cli.sweep_args import View
from statehub.health import Health
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import SweepResult


def _names(names: list[str]) -> str:
    return ", ".join(shown(name) for name in names)


def render(result: SweepResult, view: View) -> None:
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


def run_with_progress(sweeper: Sweeper, request: SweepRequest) -> SweepResult:
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
