"""One home, said aloud: ``make run`` and the installed commands use the same default home, and
every command's human output names the home and database it used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import ROOT, RunCli

STATEHUB = Path(sys.executable).parent / "statehub"


def _operator_env(home: Path) -> dict[str, str]:
    """A shell with no State Hub variable set: every default applies."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATEHUB_", "XDG_"))}
    env.update(HOME=str(home), COLUMNS="200")
    return env


def test_a_sweep_typed_after_make_run_sweeps_the_fleet_make_run_registered(
    tmp_path: Path,
) -> None:
    home = tmp_path / "operator"
    env = _operator_env(home)
    expected_home = home / ".local" / "state" / "statehub"

    # -o: take the venv as up to date (this checkout's); the test must not reinstall it.
    made = subprocess.run(
        ["make", "-C", str(ROOT), "-o", ".venv/.installed-stamp", "run"],
        env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"State Hub home {expected_home}" in made.stderr

    swept = subprocess.run(
        [str(STATEHUB), "sweep", "--remote-all", "--json", "--no-fetch"],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    document = json.loads(swept.stdout)
    assert document["repos_total"] > 0
    assert (expected_home / "demo-fleet").is_dir()


@pytest.mark.parametrize(
    "args",
    [
        ["repos", "list"],
        ["progress", "--limit", "1"],
        ["cadence", "--since", "1h"],
        ["sweep", "--remote-all", "--no-fetch"],
        ["demo"],
    ],
    ids=" ".join,
)
def test_every_command_names_its_home_and_database(
    run_cli: RunCli, cli_env: dict[str, str], args: list[str]
) -> None:
    out = run_cli(*args)

    assert out.returncode == 0, out.stderr
    first = out.stderr.splitlines()[0]
    assert first.startswith(f"State Hub home {cli_env['STATEHUB_HOME']} · ")
    assert ("SQLite database" in first) or ("PostgreSQL at" in first)


def test_json_output_stays_clean(run_cli: RunCli) -> None:
    out = run_cli("repos", "list", "--json")
    assert json.loads(out.stdout) == [] and "State Hub home" not in out.stdout + out.stderr
