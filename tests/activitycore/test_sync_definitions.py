"""`activity-core sync-activity-definitions`: upsert by id, idempotent, follows edits and
deletions, and says so — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from activitycore.cli import app
from activitycore.store import Store
from activitycore.store.models import DefinitionRow
from tests.activitycore.support import write_definition

ID_A = "11111111-1111-4111-8111-111111111111"
ID_B = "22222222-2222-4222-8222-222222222222"


@pytest.fixture
def env(
    definitions_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, str]:
    monkeypatch.setenv("ACTIVITY_CORE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ACTIVITY_CORE_DATABASE_URL", database_url)
    monkeypatch.setenv("ACTIVITY_DEFINITION_DIRS", str(definitions_dir))
    monkeypatch.setenv("STATE_HUB_URL", "http://127.0.0.1:8000")
    return {"database_url": database_url}


def sync() -> list[str]:
    result = CliRunner().invoke(app, ["sync-activity-definitions"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def rows(database_url: str) -> dict[str, DefinitionRow]:
    store = Store.open(database_url)
    try:
        with store.session() as db:
            return {row.id: row for row in db.scalars(select(DefinitionRow))}
    finally:
        store.dispose()


def test_it_creates_then_reports_unchanged(definitions_dir: Path, env: dict[str, str]) -> None:
    write_definition(definitions_dir, "a.yaml", id=ID_A, name="Alpha")
    write_definition(definitions_dir, "b.yaml", id=ID_B, name="Beta")

    first = sync()
    assert [line.split()[0] for line in first[:2]] == ["created", "created"]
    assert first[-1].startswith("2 created, 0 changed, 0 unchanged, 0 removed")

    second = sync()
    assert second[-1].startswith("0 created, 0 changed, 2 unchanged, 0 removed")
    stored = rows(env["database_url"])
    assert set(stored) == {ID_A, ID_B}
    assert stored[ID_A].spec["action"]["http"]["url"] == "http://127.0.0.1:8000/health"


def test_it_follows_edits_and_deletions(definitions_dir: Path, env: dict[str, str]) -> None:
    write_definition(definitions_dir, "a.yaml", id=ID_A, name="Alpha")
    b = write_definition(definitions_dir, "b.yaml", id=ID_B, name="Beta")
    sync()

    write_definition(definitions_dir, "a.yaml", id=ID_A, name="Alpha", trigger="0 * * * *")
    b.unlink()
    output = sync()
    assert any(line.startswith("changed    Alpha") for line in output), output
    assert any(line.startswith("removed    Beta") for line in output), output
    assert output[-1].startswith("0 created, 1 changed, 0 unchanged, 1 removed")

    stored = rows(env["database_url"])
    assert stored[ID_A].trigger == "0 * * * *"
    assert stored[ID_B].removed_at is not None  # kept: its runs still point at it

    # Gone stays gone quietly; a file that comes back is created again.
    assert sync()[-1].startswith("0 created, 0 changed, 1 unchanged, 0 removed")
    write_definition(definitions_dir, "b.yaml", id=ID_B, name="Beta")
    assert sync()[-1].startswith("1 created, 0 changed, 1 unchanged, 0 removed")
    assert rows(env["database_url"])[ID_B].removed_at is None


def test_it_refuses_bad_files_without_touching_the_database(
    definitions_dir: Path, env: dict[str, str]
) -> None:
    write_definition(definitions_dir, "a.yaml", id=ID_A, name="Alpha")
    sync()
    (definitions_dir / "bad.yaml").write_text("id: nope\n")
    result = CliRunner().invoke(app, ["sync-activity-definitions"])
    assert result.exit_code == 1
    assert "bad.yaml:1: id:" in result.output
    assert "Traceback" not in result.output
    assert set(rows(env["database_url"])) == {ID_A}


def test_it_will_not_empty_the_catalog_by_accident(
    definitions_dir: Path, env: dict[str, str], tmp_path: Path
) -> None:
    write_definition(definitions_dir, "a.yaml", id=ID_A, name="Alpha")
    sync()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(app, ["sync-activity-definitions", "--dir", str(empty)])
    assert result.exit_code == 1
    assert "refusing to remove every known definition" in result.output
    assert rows(env["database_url"])[ID_A].removed_at is None


def test_it_reads_several_directories_separated_like_path(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    write_definition(first, id=ID_A, name="Alpha")
    write_definition(second, id=ID_B, name="Beta")
    monkeypatch.setenv("ACTIVITY_DEFINITION_DIRS", f"{first}{os.pathsep}{second}")
    assert sync()[-1].startswith("2 created")
