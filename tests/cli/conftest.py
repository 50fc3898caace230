"""Run the real ``statehub`` command in a subprocess, as a user or a timer would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        STATEHUB_HOME=str(tmp_path / "home"),
        STATEHUB_DATABASE_URL=database_url,
        COLUMNS="200",  # rich wraps tables at the terminal width; keep names on one line
    )
    return env


@pytest.fixture
def run_cli(cli_env: dict[str, str]) -> RunCli:
    def run(*args: str, script: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
        command = (
            [sys.executable, str(ROOT / "scripts" / "consistency_check.py")]
            if script
            else [sys.executable, "-m", "statehub"]
        )
        return subprocess.run(
            [*command, *args],
            env={**cli_env, **env},
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    return run
