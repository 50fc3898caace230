"""One serialization per record: the CLI's ``--json`` prints the documents the API returns.

Progress events, repos, sweep results and the cadence verdict, over real recorded sweeps:
the CLI and a live server share one home and one database, so for the records both can
show the documents must be equal, and where they cannot be the same record (two sweeps, two
windows a moment apart) every key at every depth must match. Then the CLI must do it without
loading FastAPI (start-up time: every command of a 15-minute timer pays it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from testing.fleet import FleetBuilder
from tests.api.helpers import sqlite_only
from tests.cli.conftest import RunCli


def key_paths(document: Any, path: str = "") -> set[str]:
    """Every key at every depth (a list's items under ``path[]``); values left out."""
    if isinstance(document, dict):
        paths = {f"{path}.{key}" for key in document}
        for key, value in document.items():
            paths |= key_paths(value, f"{path}.{key}")
        return paths
    if isinstance(document, list):
        return set().union(*(key_paths(item, f"{path}[]") for item in document))
    return set()


def _json(out: subprocess.CompletedProcess[str]) -> Any:
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.slow
@sqlite_only
def test_each_record_has_one_document(
    fleet_builder: FleetBuilder, run_cli: RunCli, client: httpx.Client
) -> None:
    run_cli("repos", "add", str(fleet_builder.dirty("dirty")), "--allow-push")
    run_cli("repos", "add", str(fleet_builder.clean("clean")))
    cli_sweep = _json(run_cli("sweep", "--remote-all", "--json", "--triggered-by", "local-timer"))
    api_sweep = client.post(
        "/consistency/sweep/remote-all", json={"triggered_by": "activity-core"}
    ).json()

    cli_events = _json(run_cli("progress", "--json"))
    api_events = client.get("/progress/").json()
    cli_repos = _json(run_cli("repos", "list", "--json"))
    api_repos = client.get("/repos").json()
    cli_cadence = _json(run_cli("cadence", "--since", "1d", "--json"))
    api_cadence = client.get("/consistency/cadence", params={"since": "1d", "slots": "true"})

    # The same records: the same documents, key for key and value for value.
    assert [e["sweep_id"] for e in cli_events] == [api_sweep["sweep_id"], cli_sweep["sweep_id"]]
    assert cli_events == api_events
    assert cli_repos == api_repos
    assert [r["name"] for r in cli_repos] == ["clean", "dirty"]
    assert cli_repos[1]["last_state"] is not None
    # Two sweeps of the same fleet: one shape, down to each processed repo's details.
    assert cli_sweep["repos_processed"] and api_sweep["repos_processed"]
    assert key_paths(cli_sweep) == key_paths(api_sweep)
    assert cli_events[1]["payload"] == cli_sweep  # and what was recorded is what was printed
    # Two windows a moment apart: one shape, slots and their sweeps included.
    assert api_cadence.status_code == 200, api_cadence.text
    assert any(slot["marks"] for slot in cli_cadence["slots"])
    assert key_paths(cli_cadence) == key_paths(api_cadence.json())


_PROBE = """
import json, sys
from statehub.cli import app
for args in json.loads(sys.argv[1]):
    try:
        app(args, standalone_mode=False)
    except SystemExit:
        pass
loaded = sorted(m for m in sys.modules if m.partition(".")[0] in ("fastapi", "starlette"))
with open(sys.argv[2], "w") as out:
    json.dump(loaded, out)
"""


@sqlite_only
def test_the_cli_prints_them_without_loading_fastapi(
    fleet_builder: FleetBuilder, run_cli: RunCli, cli_env: dict[str, str], tmp_path: Path
) -> None:
    run_cli("repos", "add", str(fleet_builder.dirty("dirty")))
    commands = [
        ["sweep", "--remote-all", "--json"],
        ["progress", "--json"],
        ["repos", "list", "--json"],
        ["cadence", "--json"],
    ]
    report = tmp_path / "modules.json"

    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(commands), str(report)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )

    assert probe.returncode == 0, probe.stderr
    assert '"sweep_id"' in probe.stdout  # the commands ran and printed their documents
    assert json.loads(report.read_text()) == []
