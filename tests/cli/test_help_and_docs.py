"""Every ``statehub`` command has help and is documented in the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from statehub.cli import app
from statehub.fleet.explain import MEANINGS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        if hasattr(command, "commands"):  # a group: its subcommands are what users type
            found.extend(_commands(command, path))
        else:
            found.append(path)
    return found


COMMANDS = _commands(typer.main.get_group(app))


def test_there_are_commands_to_check() -> None:
    assert ("sweep",) in COMMANDS and ("repos", "add") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_each_command_has_help_and_is_in_the_readme(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert f"statehub {' '.join(path)}" in README, f"`statehub {' '.join(path)}` is not in README"


RUNBOOK = (
    Path(__file__).resolve().parents[2] / "docs" / "runbooks" / "state-hub-consistency-sweep.md"
).read_text()


@pytest.mark.parametrize(
    ("path", "flag"),
    [
        (("sweep",), "--only"),
        (("sweep",), "--changed"),
        (("sweep",), "--quiet"),
        (("repos", "list"), "--only"),
        (("repos", "list"), "--changed"),
    ],
)
def test_the_display_filters_are_in_help_readme_and_runbook(
    path: tuple[str, ...], flag: str
) -> None:
    shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"}).output
    assert flag in shown
    row = next(line for line in README.splitlines() if f"`statehub {' '.join(path)} " in line)
    assert flag in row, f"README's row for statehub {' '.join(path)} lacks {flag}"
    typed = [line for line in RUNBOOK.splitlines() if f"statehub {' '.join(path)} " in line]
    assert any(flag in line for line in typed), f"the runbook never types {flag}"


def test_sweep_help_says_the_filters_leave_the_document_whole() -> None:
    shown = CliRunner().invoke(app, ["sweep", "--help"], env={"COLUMNS": "200"}).output
    assert "the recorded event and --json are the same" in " ".join(shown.split())


def test_every_finding_is_explained_in_the_readme_as_the_code_explains_it() -> None:
    for code, meaning in MEANINGS.items():
        assert f"| `{code}` | {meaning} |" in README, f"README's table of findings lacks {code}"
