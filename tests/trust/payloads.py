"""Planted payloads: scripts a hostile repository names, each writing a marker file when run.

A test proves a vector closed by sweeping the repo and finding no marker, and proves the
payload live by letting it fire where the repo is trusted (or where plain git runs it).
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

from statehub.store import Store
from statehub.store.repos import add_repo, get_repo, upsert_repo
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import Mode, RepoReport, SweepResult
from testing.fleet import FleetBuilder


class Payloads:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.markers = root / "markers"
        self.markers.mkdir(parents=True)

    def script(self, name: str, then: str = "") -> Path:
        """An executable that records that it ran (and its arguments), then runs ``then``."""
        path = self.root / f"{name}.sh"
        marker = shlex.quote(str(self.markers / name))
        path.write_text(f'#!/bin/sh\necho "$*" >> {marker}\n{then}\n')
        path.chmod(0o755)
        return path

    def fired(self) -> list[str]:
        return sorted(p.name for p in self.markers.iterdir())

    def clear(self) -> None:
        for marker in self.markers.iterdir():
            marker.unlink()


def git(repo: Path, *args: str) -> str:
    """Plain git, as the user would run it (the suite's isolated global config)."""
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def set_config(repo: Path, key: str, value: str) -> None:
    git(repo, "config", "--add", key, value)


def register(store: Store, name: str, path: Path, *, trusted: bool = False) -> None:
    with store.session() as db:
        add_repo(db, name=name, path=str(path), allow_push=True, trust_repo_config=trusted)


def trust(store: Store, name: str) -> None:
    """Re-register ``name`` trusted (the config file's ``trust_repo_config: true``)."""
    with store.session() as db:
        repo = get_repo(db, name=name)
        upsert_repo(
            db, name=name, path=repo.path, allow_push=True, source="cli", trust_repo_config=True
        )


def sweep(
    sweeper: Sweeper, mode: Mode = Mode.WARN, *, fetch: bool = True, seconds: float = 60
) -> SweepResult:
    return sweeper.run(SweepRequest(max_seconds=seconds, mode=mode, fetch=fetch))


def report(result: SweepResult, name: str) -> RepoReport:
    found = [r for r in result.repos_processed if r.name == name]
    assert found, f"{name} not processed: {json.dumps(result.document(), indent=1)}"
    return found[0]


def untrusted_keys(entry: RepoReport) -> list[str]:
    assert entry.state is not None
    return [line.split("=", 1)[0] for line in entry.state.untrusted_config]


def exclude(repo: Path, *patterns: str) -> None:
    """Keep files a vector needs in the work tree out of the repo's state (untracked)."""
    with (repo / ".git" / "info" / "exclude").open("a") as file:
        file.write("".join(f"{p}\n" for p in patterns))


def with_submodule(builder: FleetBuilder, name: str) -> Path:
    """A clean repo with one absorbed submodule ``sub`` (committed and pushed)."""
    builder.clean(f"{name}-sub")
    repo = builder.clean(name)
    sub_remote = builder.remotes / f"{name}-sub.git"
    builder.git(
        repo,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "--quiet",
        str(sub_remote),
        "sub",
    )
    builder.git(repo, "commit", "--quiet", "-m", "Add a submodule")
    builder.git(repo, "push", "--quiet")
    return repo
