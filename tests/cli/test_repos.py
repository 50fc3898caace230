"""``statehub repos``: add, discover, list, remove — against real repos."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from testing.fleet import FleetBuilder
from testing.serve import statehub_env
from tests.cli.conftest import RunCli
from tests.reliability.support import (
    NOBODY,
    as_user_prefix,
    chown_tree,
    shared_directory,
    statehub_cli,
)


def _listed(run_cli: RunCli) -> dict[str, dict[str, object]]:
    out = run_cli("repos", "list", "--json")
    assert out.returncode == 0, out.stderr
    return {r["name"]: r for r in json.loads(out.stdout)}


@pytest.mark.slow
def test_it_adds_lists_and_removes_a_repo(fleet_builder: FleetBuilder, run_cli: RunCli) -> None:
    path = fleet_builder.clean("alpha")

    added = run_cli("repos", "add", str(path) + "/.", "--name", "the-alpha")
    assert added.returncode == 0, added.stderr

    listed = _listed(run_cli)
    assert listed["the-alpha"]["path"] == str(path.resolve())  # absolute and normalised

    assert run_cli("repos", "remove", "the-alpha").returncode == 0
    assert _listed(run_cli) == {}


@pytest.mark.slow
def test_it_refuses_a_duplicate_name_or_path_with_a_clear_message(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    a, b = fleet_builder.clean("a"), fleet_builder.clean("b")
    assert run_cli("repos", "add", str(a)).returncode == 0

    same_path = run_cli("repos", "add", str(a), "--name", "other")
    same_name = run_cli("repos", "add", str(b), "--name", "a")

    for out in (same_path, same_name):
        assert out.returncode == 2
        assert "error:" in out.stderr and "Traceback" not in out.stderr
    assert "path" in same_path.stderr
    assert "name" in same_name.stderr


def test_it_refuses_a_path_that_is_not_a_git_work_tree(tmp_path: Path, run_cli: RunCli) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")

    for path, words in ((plain, "not a git work tree"), (a_file, "not a directory")):
        out = run_cli("repos", "add", str(path))
        assert out.returncode == 2
        assert words in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_discover_registers_work_trees_without_descending_and_survives_loops(
    fleet_builder: FleetBuilder, tmp_path: Path, run_cli: RunCli
) -> None:
    root = tmp_path / "src"
    (root / "group").mkdir(parents=True)
    one = fleet_builder.clean("one")
    two = fleet_builder.clean("two")
    one.rename(root / "one")
    two.rename(root / "group" / "two")
    # A repo nested inside a work tree's own files is not a fleet member.
    nested = fleet_builder.clean("nested")
    nested.rename(root / "one" / "vendor-nested")
    (root / "group" / "loop").symlink_to(root)  # a symlink loop

    out = run_cli("repos", "discover", str(root))

    assert out.returncode == 0, out.stderr
    assert "symlink loop" in out.stderr
    assert sorted(_listed(run_cli)) == ["one", "two"]

    again = run_cli("repos", "discover", str(root))
    assert "0 added, 2 already registered" in again.stdout


def test_discover_skips_an_unreadable_directory_and_registers_the_rest() -> None:
    """Run as ``nobody``: as root (CI), a directory without read permission is readable, and
    this test would prove nothing."""
    prefix = as_user_prefix()
    with shared_directory("statehub-discover-", owner=NOBODY) as base:
        builder = FleetBuilder(base / "fleet")
        root = base / "src"
        root.mkdir()
        builder.clean("one").rename(root / "one")
        locked = root / "locked"
        locked.mkdir()
        builder.clean("behind-the-lock").rename(locked / "behind-the-lock")
        chown_tree(base, NOBODY)
        home = base / "home"
        # git reads no config the unprivileged user cannot reach.
        env = statehub_env(
            home, f"sqlite:///{home / 'statehub.db'}", HOME=str(base), GIT_CONFIG_GLOBAL=os.devnull
        )
        locked.chmod(0)
        try:
            found = statehub_cli(env, "repos", "discover", str(root), prefix=prefix)
            listed = statehub_cli(env, "repos", "list", "--json", prefix=prefix)
        finally:
            locked.chmod(0o755)

    assert found.returncode == 0, found.stderr
    assert f"skipped {locked}: Permission denied" in found.stderr
    assert "Traceback" not in found.stderr
    assert listed.returncode == 0, listed.stderr
    assert [r["name"] for r in json.loads(listed.stdout)] == ["one"]


def test_repos_come_from_the_config_file_too(
    fleet_builder: FleetBuilder, tmp_path: Path, run_cli: RunCli
) -> None:
    path = fleet_builder.clean("configured")
    config = tmp_path / "fleet.yaml"
    config.write_text(f"repos:\n  - path: {path}\n    name: from-config\n    allow_push: true\n")

    listed = json.loads(run_cli("repos", "list", "--json", STATEHUB_CONFIG_FILE=str(config)).stdout)

    assert [(r["name"], r["allow_push"], r["source"]) for r in listed] == [
        ("from-config", True, "config")
    ]


def test_repos_add_refuses_a_bare_repository_saying_so(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    fleet_builder.clean("origin-of-it")
    bare = fleet_builder.remotes / "origin-of-it.git"

    out = run_cli("repos", "add", str(bare))

    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "is a bare repository, with no work tree to sweep" in out.stderr
    git_dir = run_cli("repos", "add", str(fleet_builder.repos / "origin-of-it" / ".git"))
    assert git_dir.returncode == 2
    assert "it is the git dir of" in " ".join(git_dir.stderr.split())
    assert _listed(run_cli) == {}


def test_discover_lists_a_bare_repository_as_skipped_with_the_reason(
    fleet_builder: FleetBuilder, tmp_path: Path, run_cli: RunCli
) -> None:
    root = tmp_path / "src"
    root.mkdir()
    fleet_builder.clean("app").rename(root / "app")
    (fleet_builder.remotes / "app.git").rename(root / "app.git")

    out = run_cli("repos", "discover", str(root))

    assert out.returncode == 0, out.stderr
    assert sorted(_listed(run_cli)) == ["app"]
    skipped = " ".join(out.stderr.split())  # rich may wrap the line
    assert f"skipped {root / 'app.git'}: it is a bare repository" in skipped


def test_a_bare_repository_in_the_config_file_is_a_problem_naming_its_entry(
    fleet_builder: FleetBuilder, tmp_path: Path, run_cli: RunCli
) -> None:
    """Refused, and said so with file, line and entry; a config problem is reported, never
    fatal (issue 12): the rest of the file is registered."""
    good = fleet_builder.clean("good")
    bare = fleet_builder.remotes / "good.git"
    config = tmp_path / "fleet.yaml"
    config.write_text(f"repos:\n  - path: {good}\n  - name: mirror\n    path: {bare}\n")

    out = run_cli("repos", "list", "--json", STATEHUB_CONFIG_FILE=str(config))

    assert out.returncode == 0 and "Traceback" not in out.stderr
    message = " ".join(out.stderr.split())
    assert "config problem:" in message
    assert f"{config}, line 4, field 'repos.1.path': {bare.resolve()} it is a bare repository" in (
        message
    )
    assert [r["name"] for r in json.loads(out.stdout)] == ["good"]


def test_relative_paths_in_the_config_file_are_relative_to_its_own_directory(
    fleet_builder: FleetBuilder, tmp_path: Path, run_cli: RunCli
) -> None:
    named = fleet_builder.clean("named")
    (tmp_path / "conf" / "src").mkdir(parents=True)
    fleet_builder.clean("found").rename(tmp_path / "conf" / "src" / "found")
    config = tmp_path / "conf" / "fleet.yaml"
    config.write_text("repos:\n  - path: ../fleet/repos/named\ndiscover:\n  - src\n")
    assert Path.cwd() != config.parent  # the process reads it from elsewhere

    listed = json.loads(run_cli("repos", "list", "--json", STATEHUB_CONFIG_FILE=str(config)).stdout)

    assert sorted((r["name"], r["path"]) for r in listed) == [
        ("found", str((tmp_path / "conf" / "src" / "found").resolve())),
        ("named", str(named.resolve())),
    ]
