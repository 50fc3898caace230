"""``statehub doctor``: what is wrong, one line per problem with its fix."""

from __future__ import annotations

import typer

from statehub.cli.output import console, print_json
from statehub.doctor import DoctorOptions, DoctorReport, diagnose
from statehub.doctor.checks import Problem
from statehub.errors import ConfigError
from statehub.settings import load_settings


def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    timeout: float = typer.Option(
        15.0, "--timeout", min=1, max=300, help="Seconds one remote host may take to answer."
    ),
    units: bool = typer.Option(
        True,
        "--units/--no-units",
        help="Check the systemd user units (--no-units: before Install).",
    ),
) -> None:
    """Check git, the home, lock, database, config, every remote host and the systemd units."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        # Nothing else can be looked at without settings; say so as the one problem.
        report = DoctorReport()
        report.failed(Problem("settings", str(exc), "fix the variable named, then run again"))
    else:
        report = diagnose(settings, DoctorOptions(remote_timeout=timeout, units=units))
    if as_json:
        print_json(report.document())
    else:
        _render(report)
    raise typer.Exit(report.exit_code)


def _render(report: DoctorReport) -> None:
    for name, value in report.looked_at.items():
        console.print(f"{name.replace('_', ' '):<12} {value or '-'}", highlight=False)
    for outcome in report.outcomes:
        if outcome.ok:
            console.print(f"[green]ok[/]      {outcome.check}: {outcome.summary}", highlight=False)
    for problem in report.problems:
        console.print(f"[bold red]problem[/] {problem.line()}", highlight=False, soft_wrap=True)
    verdict = (
        "[green]all is well[/]"
        if not report.problems
        else f"[bold red]{len(report.problems)} problem(s)[/]"
    )
    console.print(verdict)
