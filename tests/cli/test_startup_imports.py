"""The timer's command imports only what it uses (issue 15: start-up that costs nothing).

``statehub sweep --remote-all --no-fetch --json`` runs every few minutes; each module it
loads is paid on every run. The real command runs here in a subprocess under
``python -X importtime``, which lists every module imported, and the modules it has no use
for must be absent: the web stack, the migrations tool (the database is already at head),
the terminal's libraries, the cadence history, the alert and metrics libraries (nothing is
configured), PyYAML (there is no config file) and, on SQLite, SQLAlchemy: the sweep's reads and
writes are plain DB-API statements (``statehub.store.ledger``). A config file or a schema that
must be migrated loads what it needs, and the sweep still runs (the last tests). Not timed:
bench's ``startup`` section says how long it takes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from sqlstore.engine import build_engine
from sqlstore.schema import alembic_config
from statehub.store import Store
from statehub.store.schema import SCHEMA
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
    "statehub.sweep.result_schema": "the sweep writes its document; only readers validate one",
    "testing": "the tests' fixtures never ship",
    "pydantic": "the settings and the result document are plain dataclasses (issue 15)",
    "pydantic_core": "the settings and the result document are plain dataclasses (issue 15)",
}
# On SQLite (at head, no config file), SQLAlchemy and the ORM's modules too: PostgreSQL's
# path opens its Store as it always has (statehub.store.sweepstore).
SQLITE_NEVER = {
    "sqlalchemy": "the sweep's statements are plain sqlite3 (statehub.store.ledger)",
    "sqlstore.database": "the store at head is opened by statehub.store.sweepstore",
    "sqlstore.engine": "the store at head is opened by statehub.store.sweepstore",
    "statehub.store.models": "the ORM's rows: the sweep reads and writes through the ledger",
    "statehub.store.database": "the ORM's Store: opened only on demand",
    "statehub.registry": "there is no fleet config file to sync",
    "psycopg": "SQLite",
}


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
    assert {"statehub.sweep.engine", "statehub.store.ledger"} <= modules  # the probe sees
    on_sqlite = database_url.startswith("sqlite")
    assert on_sqlite or "sqlalchemy" in modules  # PostgreSQL: the Store's pool, as before
    never = NEVER | (SQLITE_NEVER if on_sqlite else {})
    assert offending(modules, never) == {}


def test_a_config_file_loads_the_registry_and_the_sweep_registers_from_it(
    fleet_builder: FleetBuilder,
    run_cli: RunCli,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    added = run_cli("repos", "add", str(fleet_builder.clean("api")))
    assert added.returncode == 0, added.stderr
    config = tmp_path / "fleet.yaml"
    config.write_text(f"repos:\n  - path: {fleet_builder.clean('web')}\n    name: web\n")

    out = run_importtime(COMMAND, {**cli_env, "STATEHUB_CONFIG_FILE": str(config)})

    assert out.returncode == 0, out.stderr[-3000:]
    assert sorted(json.loads(out.stdout)["skipped_clean"]) == ["api", "web"]
    assert {"statehub.registry", "yaml", "sqlalchemy"} <= imported(out.stderr)


def test_a_schema_behind_head_is_migrated_and_then_swept(
    fleet_builder: FleetBuilder,
    run_cli: RunCli,
    cli_env: dict[str, str],
    database_url: str,
) -> None:
    added = run_cli("repos", "add", str(fleet_builder.clean("api")))
    assert added.returncode == 0, added.stderr
    # A database as an older State Hub left it: one revision behind.
    engine = build_engine(database_url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(SCHEMA, connection), "-1")
    finally:
        engine.dispose()

    out = run_importtime(COMMAND, cli_env)

    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout)["skipped_clean"] == ["api"]
    assert "alembic.command" in imported(out.stderr)  # Store.open migrated it, then the sweep
    store = Store.open(database_url, migrate=False)  # at head now: this refuses anything else
    store.dispose()


@pytest.mark.parametrize("argv", [["sweep", "--json", "--quiet"], ["progress", "--json"]])
def test_the_probe_sees_typer_where_typer_parses(argv: list[str], cli_env: dict[str, str]) -> None:
    # The other side of the guard: a line the fast path leaves to typer loads it, and this
    # way of listing modules shows that, so an empty answer above is not a blind probe's.
    out = run_importtime(argv, cli_env)

    assert out.returncode == 0, out.stderr[-3000:]
    assert {"typer", "statehub.cli.commands"} <= imported(out.stderr)
