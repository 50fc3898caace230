"""Names and paths are safe to print: an escape sequence in a directory name must not
reach the operator's terminal, and a name is never read as rich markup."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from testing.fleet import FleetBuilder
from tests.cli.conftest import RunCli

CLEAR_SCREEN = "\x1b[2J"


def _outputs(*runs: subprocess.CompletedProcess[str]) -> str:
    return "".join(run.stdout + run.stderr for run in runs)


@pytest.fixture
def hostile_root(fleet_builder: FleetBuilder, tmp_path: Path) -> Path:
    """A root holding a real, dirty repo whose directory name clears the screen."""
    root = tmp_path / "src"
    root.mkdir()
    repo = fleet_builder.dirty("plain")
    repo.rename(root / f"wipe{CLEAR_SCREEN}\u202eme")  # and a bidi override after it
    return root


@pytest.mark.slow
def test_discover_renames_it_and_says_so_and_no_output_holds_a_raw_escape(
    hostile_root: Path, run_cli: RunCli
) -> None:
    discovered = run_cli("repos", "discover", str(hostile_root))
    assert discovered.returncode == 0, discovered.stderr
    assert "renamed" in discovered.stderr and "control or invisible" in discovered.stderr
    name = "wipe\\x1b[2J\\u202eme"  # what is registered: the escapes spelled out
    assert name in discovered.stdout

    listed = run_cli("repos", "list")
    swept = run_cli("sweep")
    shown = run_cli("repos", "show", name)
    as_json = run_cli("repos", "list", "--json")

    for run in (listed, swept, shown, as_json):
        assert run.returncode == 0, run.stderr
    everything = _outputs(discovered, listed, swept, shown)
    assert "\x1b" not in everything and "\u202e" not in everything
    assert name in listed.stdout and name in swept.stdout and name in shown.stdout
    # JSON keeps the real path: it is data, and json escapes it for any terminal.
    (entry,) = json.loads(as_json.stdout)
    assert entry["name"] == name and entry["path"].endswith(f"wipe{CLEAR_SCREEN}\u202eme")
    assert "\x1b" not in as_json.stdout


def test_on_a_colour_terminal_the_sequence_is_still_spelled_out(
    hostile_root: Path, run_cli: RunCli
) -> None:
    assert run_cli("repos", "discover", str(hostile_root)).returncode == 0
    # rich styles its own output here (so ESC appears), but never the name's sequence.
    swept = run_cli("sweep", FORCE_COLOR="1", TERM="xterm-256color")
    assert swept.returncode == 0, swept.stderr
    assert "\x1b[" in swept.stdout  # the colours: this really is terminal output
    assert CLEAR_SCREEN not in _outputs(swept)


def test_repos_add_refuses_a_name_with_control_characters(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    repo = fleet_builder.clean("repo")
    out = run_cli("repos", "add", str(repo), "--name", f"evil{CLEAR_SCREEN}")
    assert out.returncode == 2
    assert "--name" in out.stderr and "control or invisible characters (\\x1b)" in out.stderr
    assert "\x1b" not in out.stderr and "Traceback" not in out.stderr
    assert json.loads(run_cli("repos", "list", "--json").stdout) == []


def test_a_name_that_looks_like_markup_is_printed_as_it_is(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    repo = fleet_builder.clean("repo")
    added = run_cli("repos", "add", str(repo), "--name", "[bold red]loud[/]")
    assert added.returncode == 0, added.stderr
    assert "[bold red]loud[/]" in added.stdout
    assert "[bold red]loud[/]" in run_cli("repos", "list").stdout
