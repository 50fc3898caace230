"""``statehub repos show``: the state now, each finding explained with since when, the
history — across real sweeps of a real repo that becomes behind, then diverged, then clean."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from testing.fleet import FleetBuilder
from tests.api.helpers import sqlite_only
from tests.cli.conftest import RunCli


def _sweep(run_cli: RunCli) -> datetime:
    out = run_cli("sweep", "--json")
    assert out.returncode == 0, out.stderr
    return datetime.fromisoformat(json.loads(out.stdout)["finished_at"])


def _show(run_cli: RunCli, name: str = "api") -> dict[str, Any]:
    out = run_cli("repos", "show", name, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _since(view: dict[str, Any]) -> dict[str, datetime]:
    return {f["finding"]: datetime.fromisoformat(f["since"]) for f in view["findings"]}


def _teammate_pushes(builder: FleetBuilder, name: str) -> None:
    remote = builder.remotes / f"{name}.git"
    tree = builder.git(remote, "rev-parse", "main^{tree}").stdout.decode().strip()
    commit = builder.git(remote, "commit-tree", tree, "-p", "main", "-m", "teammate")
    builder.git(remote, "update-ref", "refs/heads/main", commit.stdout.decode().strip())


@pytest.mark.slow
def test_since_follows_a_repo_through_behind_diverged_and_clean(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    repo = fleet_builder.clean("api")
    assert run_cli("repos", "add", str(repo)).returncode == 0
    _sweep(run_cli)
    assert _show(run_cli)["findings"] == []

    _teammate_pushes(fleet_builder, "api")
    became_behind = _sweep(run_cli)
    _sweep(run_cli)  # still behind: "since" stays where the run began
    view = _show(run_cli)
    assert _since(view) == {"behind": became_behind}
    detail = view["findings"][0]["detail"]
    assert detail["about"] == "main: 1 behind origin/main"
    assert detail["commands"] == [f"git -C {repo} pull --ff-only"]

    fleet_builder.git(repo, "commit", "--quiet", "--allow-empty", "-m", "local work")
    became_diverged = _sweep(run_cli)
    _sweep(run_cli)
    view = _show(run_cli)
    assert _since(view) == {"diverged": became_diverged}
    assert view["changes"][0]["appeared"] == ["diverged"]
    assert view["changes"][0]["cleared"] == ["behind"]

    fleet_builder.git(repo, "pull", "--quiet", "--rebase")
    fleet_builder.git(repo, "push", "--quiet")
    became_clean = _sweep(run_cli)
    view = _show(run_cli)
    assert (view["status"], view["findings"]) == ("clean", [])
    # One row per change, not per sweep: clean, behind, diverged, clean (6 sweeps).
    assert [(c["findings"], c["cleared"]) for c in view["changes"]] == [
        ([], ["diverged"]),
        (["diverged"], ["behind"]),
        (["behind"], []),
        ([], []),
    ]
    assert datetime.fromisoformat(view["changes"][0]["observed_at"]) == became_clean
    assert view["last_fetch"] == {"fetched": True, "ok": True, "finding": None, "message": None}


@pytest.mark.slow
def test_the_human_output_explains_each_finding_with_its_since(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    repo = fleet_builder.ahead_on_other_branch("experiments")
    assert run_cli("repos", "add", str(repo)).returncode == 0
    finished = _sweep(run_cli)

    out = run_cli("repos", "show", "experiments")
    assert out.returncode == 0, out.stderr
    assert f"{finished:%Y-%m-%d %H:%M:%S} UTC" in out.stdout
    assert "feature: 1 ahead of origin/feature" in out.stdout
    assert f"git -C {repo} push origin feature" in out.stdout
    assert "last fetch: ok" in out.stdout


@pytest.mark.slow
def test_a_failed_fetch_is_the_last_fetch_result(
    fleet_builder: FleetBuilder, run_cli: RunCli, tmp_path: Path
) -> None:
    repo = fleet_builder.clean("offline")
    fleet_builder.git(repo, "remote", "set-url", "origin", str(tmp_path / "nowhere.git"))
    assert run_cli("repos", "add", str(repo)).returncode == 0
    _sweep(run_cli)

    fetch = _show(run_cli, "offline")["last_fetch"]
    assert (fetch["ok"], fetch["finding"]) == (False, "fetch_failed")
    assert "nowhere.git" in fetch["message"]
    assert run_cli("sweep", "--json", "--no-fetch").returncode == 0
    assert _show(run_cli, "offline")["last_fetch"]["fetched"] is False


def test_an_unknown_name_is_a_clear_error(run_cli: RunCli) -> None:
    out = run_cli("repos", "show", "nope")
    assert out.returncode == 2
    assert "no repo is registered as 'nope'" in out.stderr and "Traceback" not in out.stderr


@sqlite_only
def test_the_json_is_the_document_get_repos_name_returns(
    fleet_builder: FleetBuilder, run_cli: RunCli, client: httpx.Client
) -> None:
    run_cli("repos", "add", str(fleet_builder.merge_in_progress("sandbox")))
    _sweep(run_cli)

    assert _show(run_cli, "sandbox") == client.get("/repos/sandbox").json()
