"""``statehub repos``: the fleet registry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from statehub.cli import findings
from statehub.cli.context import apply_config_file, opened
from statehub.cli.output import cell, console, err_console, print_json, shown
from statehub.documents import RepoOut
from statehub.registry import add, discover_into
from statehub.repoview import RepoView, repo_view
from statehub.store.history import changed_at_last_check
from statehub.store.repos import list_repos, remove_repo

app = typer.Typer(help="Register, discover, list and remove the repos State Hub sweeps.")


@app.command("add")
def add_command(
    path: Path = typer.Argument(..., help="A git work tree."),
    name: str | None = typer.Option(None, "--name", help="Unique name; default: its directory."),
    allow_push: bool = typer.Option(
        False, "--allow-push", help="Let fix mode push branches that are only ahead."
    ),
    trust_repo_config: bool = typer.Option(
        False,
        "--trust-repo-config",
        help="Let the repo's own config and hooks run programs during a sweep (docs/security.md).",
    ),
) -> None:
    """Register one repo."""
    with opened() as ctx, ctx.store.session() as db:
        repo = add(
            db, path=path, name=name, allow_push=allow_push, trust_repo_config=trust_repo_config
        )
    console.print(f"added [bold]{shown(repo.name)}[/] → {shown(repo.path)}", highlight=False)


@app.command("discover")
def discover_command(
    roots: list[Path] = typer.Argument(..., help="Directories to search for git work trees."),
) -> None:
    """Register every git work tree under ROOTS (repos already known are left as they are)."""
    with opened() as ctx, ctx.store.session() as db:
        report = discover_into(db, roots=list(roots))
    for repo in report.added:
        console.print(f"added [bold]{shown(repo.name)}[/] → {shown(repo.path)}", highlight=False)
    for repo in report.sanitized:
        err_console.print(
            f"[yellow]renamed[/] {shown(repo.path)}: its directory name holds control or "
            f"invisible characters, so it is registered as [bold]{shown(repo.name)}[/] "
            "(rename it with `statehub repos remove` and `repos add --name`)",
            highlight=False,
        )
    for reason in report.skipped:
        err_console.print(f"[yellow]skipped[/] {shown(reason)}", highlight=False)
    console.print(f"{len(report.added)} added, {len(report.known)} already registered")


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    only: list[str] | None = typer.Option(
        None, "--only", metavar="FINDING", help="Only repos with this finding (repeatable)."
    ),
    changed: bool = typer.Option(
        False, "--changed", help="Only repos whose findings their last check changed."
    ),
) -> None:
    """List the registered repos (--only and --changed filter the table and the JSON alike)."""
    wanted = findings.checked_only(only)
    with opened(announce=not as_json) as ctx:
        apply_config_file(ctx)
        with ctx.store.session() as db:
            repos = list_repos(db)
            if changed:
                names = changed_at_last_check(db)
                repos = [r for r in repos if r.name in names]
    if wanted:
        repos = [r for r in repos if wanted & set(r.last_findings)]
    if as_json:
        print_json([RepoOut.model_validate(r).model_dump(mode="json") for r in repos])
        return
    table = Table("name", "path", "last checked", "findings", title=f"{len(repos)} repos")
    for r in repos:
        checked = r.last_checked_at.strftime("%Y-%m-%d %H:%M:%S") if r.last_checked_at else "never"
        table.add_row(cell(r.name), cell(r.path), checked, cell(", ".join(r.last_findings) or "-"))
    console.print(table)


@app.command("remove")
def remove_command(name: str = typer.Argument(..., help="The repo's registered name.")) -> None:
    """Forget a repo (its files are not touched)."""
    with opened() as ctx, ctx.store.session() as db:
        repo = remove_repo(db, name=name)
    console.print(f"removed [bold]{shown(repo.name)}[/] ({shown(repo.path)})", highlight=False)


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "never"


def _fetch_line(view: RepoView) -> str:
    fetch = view.last_fetch
    if fetch is None:
        return "unknown (not inspected since the history was kept)"
    if not fetch.fetched:
        return "not fetched (the last check ran with --no-fetch)"
    if fetch.ok:
        return "[green]ok[/]"
    return f"[red]{shown(fetch.finding)}[/]: {shown(fetch.message or '')}"


def _show(view: RepoView) -> None:
    console.print(f"[bold]{shown(view.name)}[/] → {shown(view.path)}", highlight=False)
    state = view.last_state or {}
    console.print(
        f"  {view.status.replace('_', ' ')}; checked {_when(view.last_checked_at)}, "
        f"last changed {_when(view.last_changed_at)}",
        highlight=False,
    )
    if isinstance(state.get("branch"), str):
        upstream = state.get("upstream") or "no upstream"
        console.print(
            f"  on {shown(state['branch'])} → {shown(upstream)}, head {shown(state.get('head'))}",
            highlight=False,
        )
    elif "error" in state:
        console.print(f"  [red]error[/]: {shown(state['error'])}", highlight=False)
    console.print(f"  last fetch: {_fetch_line(view)}", highlight=False)
    if view.findings:
        console.print("[bold]findings[/]", highlight=False)
    for held in view.findings:
        detail = held.detail
        since = _when(held.since) if held.since else "before this history began"
        # Not a table: a command wrapped into a column could not be pasted.
        lines = [f"  [bold]{shown(held.finding)}[/] since {since}"]
        lines += [f"    {shown(line)}" for line in (detail.about, detail.meaning) if line]
        lines += [f"    next: {shown(command)}" for command in detail.commands]
        console.print("\n".join(lines), highlight=False, soft_wrap=True)
    if view.changes:
        table = Table("observed", "status", "appeared", "cleared", "heads", title="last changes")
        for change in view.changes:
            table.add_row(
                _when(change.observed_at),
                change.status.replace("_", " "),
                cell(", ".join(change.appeared) or "-"),
                cell(", ".join(change.cleared) or "-"),
                cell(" ".join(f"{b}@{oid[:8]}" for b, oid in change.heads.items()) or "-"),
            )
        console.print(table)


@app.command("show")
def show_command(
    name: str = typer.Argument(..., help="The repo's registered name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (as GET /repos/NAME does)."),
) -> None:
    """One repo: its state now, each finding explained with since when, its last changes."""
    with opened() as ctx, ctx.store.reading() as db:
        view = repo_view(db, name=name)
    if as_json:
        print_json(view.model_dump(mode="json"))
        return
    _show(view)
