"""Bad input gets one clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import RunCli


def _clean_failure(out, status: int = 2) -> None:  # type: ignore[no-untyped-def]
    assert out.returncode == status, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr + out.stdout


def test_an_unknown_flag(run_cli: RunCli) -> None:
    out = run_cli("sweep", "--remote-al")
    _clean_failure(out)
    assert "No such option" in out.stderr


def test_a_config_file_that_does_not_parse_degrades_the_sweep_and_names_file_and_line(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """A YAML typo no longer stops every sweep: it runs, says why it is degraded, is recorded."""
    config = tmp_path / "fleet.yaml"
    config.write_text("repos:\n  - path: /x\n    name: [unclosed\n")

    out = run_cli("sweep", "--remote-all", "--json", STATEHUB_CONFIG_FILE=str(config))

    _clean_failure(out, status=0)
    result = json.loads(out.stdout)
    assert result["health"] == "degraded"
    [reason] = result["health_reasons"]
    assert str(config) in reason and "line 4" in reason and "not valid YAML" in reason
    listed = json.loads(run_cli("progress", "--json").stdout)
    assert [e["payload"]["sweep_id"] for e in listed] == [result["sweep_id"]]


def test_a_config_file_with_a_wrong_field_names_the_field(tmp_path: Path, run_cli: RunCli) -> None:
    config = tmp_path / "fleet.yaml"
    config.write_text("repos:\n  - path: /x\n    allow_push: perhaps\n")

    out = run_cli("repos", "list", STATEHUB_CONFIG_FILE=str(config))

    _clean_failure(out, status=0)
    assert "config problem" in out.stderr
    assert "line 3" in out.stderr and "repos.0.allow_push" in out.stderr


def test_a_database_that_cannot_be_opened(tmp_path: Path, run_cli: RunCli) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")

    out = run_cli("repos", "list", STATEHUB_DATABASE_URL=f"sqlite:///{blocker}/statehub.db")

    _clean_failure(out, status=3)
    assert "error:" in out.stderr


def test_a_database_with_a_newer_schema_is_left_alone(tmp_path: Path, run_cli: RunCli) -> None:
    db_path = tmp_path / "statehub.db"
    url = f"sqlite:///{db_path}"
    assert run_cli("repos", "list", STATEHUB_DATABASE_URL=url).returncode == 0
    with sqlite3.connect(db_path) as conn:
        conn.execute("update alembic_version set version_num = 'ffffffffffff'")

    out = run_cli("sweep", "--remote-all", STATEHUB_DATABASE_URL=url)

    _clean_failure(out, status=3)
    assert "newer" in out.stderr
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select version_num from alembic_version").fetchone() == (
            "ffffffffffff",
        )


def test_a_bad_setting_names_the_variable(run_cli: RunCli) -> None:
    out = run_cli("repos", "list", STATEHUB_WORKERS="many")
    _clean_failure(out)
    assert "STATEHUB_WORKERS" in out.stderr


def test_a_home_that_is_a_file_is_named(tmp_path: Path, run_cli: RunCli) -> None:
    blocker = tmp_path / "home-file"
    blocker.write_text("")

    out = run_cli("repos", "list", STATEHUB_HOME=str(blocker))

    _clean_failure(out)
    assert f"STATEHUB_HOME: {blocker} exists and is not a directory" in out.stderr


@pytest.mark.parametrize(
    "url", ["mysql://u@127.0.0.1/db", "postgresql+psycopg2://u@127.0.0.1/db", "oracle://x"]
)
def test_a_database_url_of_an_unsupported_kind_names_the_supported_ones(
    run_cli: RunCli, url: str
) -> None:
    out = run_cli("repos", "list", STATEHUB_DATABASE_URL=url)

    _clean_failure(out, status=3)
    [line] = out.stderr.strip().splitlines()
    assert "unsupported database" in line
    assert "sqlite:///PATH" in line and "postgresql://" in line
