"""One sweep over a fleet of hostile repositories: every one is reported for what it is, and
the sweep finishes within its budget. Directory permissions are tested as an ordinary user
(root reads through them), in ``test_unreadable_as_a_user``.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from statehub.git.inspect import fetch_all
from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder, register
from testing.serve import statehub_env
from tests.reliability.hostile import password_only_sshd, silent_port
from tests.reliability.support import (
    NOBODY,
    as_user_prefix,
    assert_whole_events,
    chown_tree,
    parse_json,
    shared_directory,
    statehub_cli,
    sweep_events,
)

BUDGET = 12
ODD_NAME = "naïve repo ✓\nsecond line"
ODD_FILE = "new\nline ü  file.txt"


@pytest.fixture
def sshd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int | None]:
    """The port of a password-only sshd, or None where openssh-server is missing (the ssh
    row is then left out, not the whole sweep)."""
    try:
        with password_only_sshd(tmp_path / "sshd") as (port, known_hosts):
            # The server's key is known, so ssh gets as far as asking for a password.
            # State Hub keeps a user's GIT_SSH_COMMAND and adds BatchMode itself.
            monkeypatch.setenv(
                "GIT_SSH_COMMAND",
                f"ssh -o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes",
            )
            yield port
    except pytest.skip.Exception:
        yield None


@pytest.fixture
def silent() -> Iterator[int]:
    with silent_port() as port:
        yield port


def _deleted_during_its_fetch(builder: FleetBuilder, name: str) -> Path:
    """A repo whose work tree is removed while its fetch runs (by its own upload-pack)."""
    repo = builder.behind(name)
    wrapper = repo.parent.parent / f"{name}-deleting-upload-pack"
    wrapper.write_text(f"#!/bin/sh\nrm -rf '{repo}'\nexec git-upload-pack \"$@\"\n")
    wrapper.chmod(0o755)
    builder.git(repo, "config", "remote.origin.uploadpack", str(wrapper))
    return repo


def _ten_thousand_untracked(builder: FleetBuilder, name: str) -> Path:
    # In the work tree's top directory: git lists each one (an untracked directory
    # would be listed once), so the status output really is 10,000 entries long.
    repo = builder.clean(name)
    for i in range(10_000):
        (repo / f"generated-{i:05}.txt").write_text("x")
    return repo


def _odd_names(builder: FleetBuilder) -> Path:
    repo = builder.clean("we ird ✓\nnewline dir")
    (repo / ODD_FILE).write_text("untracked\n")
    (repo / "README.md").write_text("changed\n")
    return repo


def _with_remote(builder: FleetBuilder, name: str, url: str) -> Path:
    repo = builder.clean(name)
    builder.git(repo, "remote", "set-url", "origin", url)
    return repo


def test_a_sweep_over_hostile_repos_reports_each_within_its_budget(
    settings: Settings,
    store: Store,
    fleet_builder: FleetBuilder,
    password_server_url: str,
    sshd: int | None,
    silent: int,
) -> None:
    b = fleet_builder
    index_locked = b.behind("index-locked")
    (index_locked / ".git" / "index.lock").write_text("")  # left by a crashed git
    repos = {
        "never-answers": b.hanging_remote("never-answers"),
        "https-password": b.password_remote("https-password", password_server_url),
        "ssh-silent": _with_remote(b, "ssh-silent", f"ssh://git@127.0.0.1:{silent}/repo.git"),
        "index-locked": index_locked,
        "missing-objects": b.missing_object("missing-objects"),
        "garbage-head": b.corrupt("garbage-head"),
        "deleted-mid-sweep": _deleted_during_its_fetch(b, "deleted-mid-sweep"),
        "untracked-10k": _ten_thousand_untracked(b, "untracked-10k"),
        ODD_NAME: _odd_names(b),
    }
    if sshd is not None:
        url = f"ssh://git@127.0.0.1:{sshd}/repo.git"
        repos["ssh-password"] = _with_remote(b, "ssh-password", url)
    # Both stand-ins are repo-local upload-packs: they run only where the repo is trusted.
    register(store, repos, trusted={"never-answers", "deleted-mid-sweep"})
    sweeper = Sweeper(replace(settings, fetch_timeout=3, git_timeout=5), store)

    began = time.monotonic()
    result = sweeper.run(SweepRequest(max_seconds=BUDGET, mode=Mode.FIX))
    took = time.monotonic() - began

    assert took < BUDGET + 2, f"the sweep took {took:.1f}s"
    processed: dict[str, Any] = {r.name: r for r in result.repos_processed}
    errors = {e.name: e.message for e in result.errors}
    placed = [*processed, *errors, *result.skipped_clean, *result.skipped_missing]
    assert sorted(placed + result.skipped_budget) == sorted(repos)  # each exactly once
    assert result.skipped_budget == []  # every one was dealt with inside the budget

    assert processed["never-answers"].findings == ["fetch_timeout"]
    assert processed["https-password"].findings == ["fetch_failed"]
    assert "terminal prompts disabled" in processed["https-password"].message
    if sshd is not None:
        assert processed["ssh-password"].findings == ["fetch_failed"]
    assert processed["ssh-silent"].findings == ["fetch_timeout"]
    locked = processed["index-locked"]
    assert locked.findings == ["behind"]  # fix mode could not fast-forward…
    assert any("index.lock" in action for action in locked.actions), locked.actions
    assert (index_locked / ".git" / "index.lock").exists()  # …and never removes a lock
    assert "missing-objects" in errors and "garbage-head" in errors
    assert errors["garbage-head"]
    assert result.skipped_missing == ["deleted-mid-sweep"]
    assert processed["untracked-10k"].findings == ["untracked"]
    assert processed["untracked-10k"].state.untracked == 10_000
    assert sorted(processed[ODD_NAME].findings) == ["dirty", "untracked"]
    assert processed[ODD_NAME].path == str(repos[ODD_NAME])

    [event] = sweep_events(store)
    assert_whole_events([event])
    assert event.payload == result.document()  # names survive the round trip


def test_a_remote_asking_for_a_password_fails_fast(
    fleet_builder: FleetBuilder, password_server_url: str, sshd: int | None
) -> None:
    if sshd is None:
        pytest.skip("openssh-server is not installed (.ci/run installs it)")
    for repo in (
        fleet_builder.password_remote("https", password_server_url),
        _with_remote(fleet_builder, "ssh", f"ssh://git@127.0.0.1:{sshd}/repo.git"),
    ):
        began = time.monotonic()
        outcome = fetch_all(repo, timeout=30, env=None)
        assert not outcome.ok and not outcome.timed_out, outcome
        assert time.monotonic() - began < 5, f"{repo.name} waited for a password"


@pytest.mark.slow
def test_unreadable_directories_and_a_symlink_loop_as_an_ordinary_user(tmp_path: Path) -> None:
    """Run as ``nobody``: as root (CI), a directory without read permission is readable."""
    prefix = as_user_prefix()
    with shared_directory("statehub-perm-", owner=NOBODY) as base:
        builder = FleetBuilder(base / "fleet")
        root = base / "src"
        (root / "group").mkdir(parents=True)
        readable = builder.clean("readable").rename(root / "readable")
        hidden = root / "closed"
        hidden.mkdir()
        builder.clean("hidden").rename(hidden / "hidden")
        unreadable = builder.clean("unreadable")
        (root / "group" / "loop").symlink_to(root)  # discovery must not go round for ever
        chown_tree(base, NOBODY)
        env = statehub_env(
            base / "home",
            f"sqlite:///{base / 'home' / 'statehub.db'}",
            HOME=str(base),
            GIT_CONFIG_GLOBAL=os.devnull,
            COLUMNS="300",  # rich wraps messages at the terminal's width
        )

        def cli(*args: str) -> subprocess.CompletedProcess[str]:

            return statehub_cli(env, *args, prefix=prefix)

        assert cli("repos", "add", str(unreadable)).returncode == 0
        hidden.chmod(0)
        unreadable.chmod(0)
        try:
            found = cli("repos", "discover", str(root))
            swept = cli("sweep", "--remote-all", "--json", "--max-seconds", "20")
        finally:
            hidden.chmod(0o755)
            unreadable.chmod(0o755)

    assert found.returncode == 0, found.stderr
    assert f"skipped {hidden}: Permission denied" in found.stderr
    assert "symlink loop" in found.stderr
    assert "Traceback" not in found.stderr
    assert swept.returncode == 0, swept.stderr
    result = parse_json(swept.stdout)
    assert result["skipped_clean"] == [readable.name]
    [error] = result["errors"]
    assert error["name"] == "unreadable" and "Permission denied" in error["message"]
