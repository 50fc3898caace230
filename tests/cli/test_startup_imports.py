"""The timer's command imports only what it uses (issue 15: start-up that costs nothing).

``statehub sweep --remote-all --no-fetch --json`` runs every few minutes; each module it
loads is paid on every run. The real command runs here in a subprocess under
``python -X importtime``, which lists every module imported, and the modules it has no use
for must be absent: the web stack, the migrations tool (the database is already at head),
the terminal's libraries, the cadence history, the alert and metrics libraries (nothing is
configured), PyYAML (there is no config file). Not timed: bench's ``startup`` section says
how long it takes.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from testing.fleet import FleetBuilder
from tests.cli.conftest import RunCli

COMMAND = ["sweep", "--remote-all", "--no-fetch", "--json"]

# Top-level packages (and the modules under them) the command must not import.
NEVER = {
    "alembic": "migrations run only when the schema is behind",
    "fastapi": "the API is `statehub serve`'s",
    "starlette": "the API is `statehub serve`'s",
    "uvicorn": "the API is `statehub serve`'s",
    "jinja2": "the dashboard is `statehub serve`'s",
    "httpx": "the sweep talks to no HTTP server",
    "temporalio": "the scheduler is activity-core's",
    "activitycore": "the services talk over HTTP only",
    "typer": "the fast path parses the timer's line (statehub.cli.fastpath)",
    "rich": "--json draws nothing",
    "yaml": "there is no fleet config file",
    "apprise": "no alert channel is configured",
    "prometheus_client": "metrics are scraped from `statehub serve`",
    "statehub.notify.observer": "no alert channel is configured",
    "statehub.notify.channels": "no alert channel is configured",
    "statehub.notify.ping": "no dead man's switch is configured",
    "statehub.api": "the API is `statehub serve`'s",
    "statehub.cadence": "the cadence verdict is `statehub cadence`'s",
    "statehub.doctor": "`statehub doctor`'s",
    "statehub.cli.commands": "the typer app",
    "testing": "the tests' fixtures never ship",
}
# On SQLite, SQLAlchemy's PostgreSQL dialect (and the drivers' modules it pulls in) too.
SQLITE_NEVER = {"sqlalchemy.dialects.postgresql": "the store is SQLite", "psycopg": "SQLite"}


def imported(stderr: str) -> set[str]:
    lines = [line for line in stderr.splitlines() if line.startswith("import time:")]
    return {line.rpartition("|")[2].strip() for line in lines[1:]}


def offending(modules: set[str], never: dict[str, str]) -> dict[str, str]:
    return {
        module: why
        for module in sorted(modules)
        for banned, why in never.items()
        if module == banned or module.startswith(banned + ".")
    }


def run_importtime(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "statehub", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_the_json_sweep_imports_none_of_what_it_does_not_use(
    fleet_builder: FleetBuilder,
    run_cli: RunCli,
    cli_env: dict[str, str],
    database_url: str,
) -> None:
    # A registered repo, so the sweep reads one for real; adding it migrates the database.
    added = run_cli("repos", "add", str(fleet_builder.clean("api")))
    assert added.returncode == 0, added.stderr

    out = run_importtime(COMMAND, cli_env)

    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout)["skipped_clean"] == ["api"]
    modules = imported(out.stderr)
    assert "statehub.sweep.engine" in modules and "sqlalchemy" in modules  # the probe sees
    never = NEVER | (SQLITE_NEVER if database_url.startswith("sqlite") else {})
    assert offending(modules, never) == {}


@pytest.mark.parametrize("argv", [["sweep", "--json", "--quiet"], ["progress", "--json"]])
def test_the_probe_sees_typer_where_typer_parses(argv: list[str], cli_env: dict[str, str]) -> None:
    # The other side of the guard: a line the fast path leaves to typer loads it, and this
    # way of listing modules shows that, so an empty answer above is not a blind probe's.
    out = run_importtime(argv, cli_env)

    assert out.returncode == 0, out.stderr[-3000:]
    assert {"typer", "statehub.cli.commands"} <= imported(out.stderr)
