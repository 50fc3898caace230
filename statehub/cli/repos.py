"""``statehub repos``: the fleet registry."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from statehub.cli.context import apply_config_file, opened
from statehub.cli.output import console, err_console, print_json
from statehub.documents import RepoOut
from statehub.registry import add, discover_into
from statehub.store.repos import list_repos, remove_repo

app = typer.Typer(help="Register, discover, list and remove the repos State Hub sweeps.")


@app.command("add")
def add_command(
    path: Path = typer.Argument(..., help="A git work tree."),
    name: str | None = typer.Option(None, "--name", help="Unique name; default: its directory."),
    allow_push: bool = typer.Option(
        False, "--allow-push", help="Let fix mode push branches that are only ahead."
    ),
) -> None:
    """Register one repo."""
    with opened() as ctx, ctx.store.session() as db:
        repo = add(db, path=path, name=name, allow_push=allow_push)
    console.print(f"added [bold]{repo.name}[/] → {repo.path}", highlight=False)


@app.command("discover")
def discover_command(
    roots: list[Path] = typer.Argument(..., help="Directories to search for git work trees."),
) -> None:
    """Register every git work tree under ROOTS (repos already known are left as they are)."""
    with opened() as ctx, ctx.store.session() as db:
        report = discover_into(db, roots=list(roots))
    for repo in report.added:
        console.print(f"added [bold]{repo.name}[/] → {repo.path}", highlight=False)
    for reason in report.skipped:
        err_console.print(f"[yellow]skipped[/] {reason}", highlight=False)
    console.print(f"{len(report.added)} added, {len(report.known)} already registered")


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the registered repos."""
    with opened(announce=not as_json) as ctx:
        apply_config_file(ctx)
        with ctx.store.session() as db:
            repos = list_repos(db)
    if as_json:
        print_json([RepoOut.model_validate(r).model_dump(mode="json") for r in repos])
        return
    table = Table("name", "path", "last checked", "findings", title=f"{len(repos)} repos")
    for r in repos:
        checked = r.last_checked_at.strftime("%Y-%m-%d %H:%M:%S") if r.last_checked_at else "never"
        table.add_row(r.name, r.path, checked, ", ".join(r.last_findings) or "-")
    console.print(table)


@app.command("remove")
def remove_command(name: str = typer.Argument(..., help="The repo's registered name.")) -> None:
    """Forget a repo (its files are not touched)."""
    with opened() as ctx, ctx.store.session() as db:
        repo = remove_repo(db, name=name)
    console.print(f"removed [bold]{repo.name}[/] ({repo.path})", highlight=False)
