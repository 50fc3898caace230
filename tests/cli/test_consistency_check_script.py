"""``scripts/consistency_check.py`` does what its docstring says: run from a checkout by a
Python without State Hub's dependencies, it re-runs itself with the checkout's venv, and
without a venv it says in one line what it needs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from testing.fleet import FleetBuilder
from tests.cli.conftest import ROOT, RunCli

SCRIPT = ROOT / "scripts" / "consistency_check.py"


def _bare_python(script: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # -I -S: no site-packages, so typer and SQLAlchemy cannot be imported, as under a system
    # python3 that never saw `make setup`.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_a_python_without_the_dependencies_is_handed_to_the_checkouts_venv(
    fleet_builder: FleetBuilder, run_cli: RunCli, cli_env: dict[str, str]
) -> None:
    run_cli("repos", "add", str(fleet_builder.clean("api")))

    out = _bare_python(SCRIPT, cli_env, "--remote-all", "--json")

    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    assert document["skipped_clean"] == ["api"]


def test_without_a_venv_it_says_what_it_needs(tmp_path: Path, cli_env: dict[str, str]) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy2(SCRIPT, checkout / "scripts" / SCRIPT.name)

    out = _bare_python(checkout / "scripts" / SCRIPT.name, cli_env, "--remote-all")

    assert out.returncode == 2
    [line] = out.stderr.strip().splitlines()
    assert "lacks State Hub's dependencies" in line and f"`make setup` in {checkout}" in line
