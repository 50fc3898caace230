"""Fleets with faults in them: broken repos and remotes that hang, crawl or want a password.

``testing.fleet.FleetBuilder`` is ``statehub.demofleet.FleetBuilder`` (every healthy state)
plus the faults only a test wants; it never ships, so no installed State Hub can build a repo
that hangs its own sweeps. It keeps the product's name on purpose: the tests' ``fleet_builder``
fixture is this one, and a test written against the healthy builder runs unchanged on it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
from collections.abc import Collection
from pathlib import Path

from statehub import demofleet
from statehub.store import Store
from statehub.store.repos import add_repo

# Writes its own pid and its child's so a test can prove the timeout killed both.
_HANG_SCRIPT = """#!/bin/sh
# upload-pack stand-in that never answers (State Hub tests)
echo $$ >> {pids}
sleep 1000 &
echo $! >> {pids}
wait
"""

_SLOW_SCRIPT = """#!/bin/sh
# upload-pack behind a slow link (State Hub tests and benchmarks): each fetch waits first.
sleep {seconds}
exec git-upload-pack "$@"
"""


def slow_upload_pack(script: Path, seconds: float) -> Path:
    """Write ``script``: an upload-pack that answers ``seconds`` late (a slow link, for real)."""
    script.write_text(_SLOW_SCRIPT.format(seconds=seconds))
    script.chmod(0o755)
    return script


def register(store: Store, repos: dict[str, Path], *, trusted: Collection[str] = ()) -> None:
    """Register ``repos`` (name → path) in ``store``, as ``statehub repos add`` would; those
    named in ``trusted`` with ``trust_repo_config`` (a stand-in remote such as
    ``hanging_remote`` is a repo-local upload-pack, which a sweep runs only for a repo whose
    own config the user trusts: docs/security.md)."""
    with store.session() as db:
        for name, path in repos.items():
            add_repo(db, name=name, path=str(path), trust_repo_config=name in trusted)


class FleetBuilder(demofleet.FleetBuilder):
    """Every healthy state, and the faults a sweep must survive."""

    # -- paths that are not healthy repos -------------------------------------

    def not_a_repo(self, name: str) -> Path:
        path = self.repos / name
        path.mkdir(parents=True)
        (path / "notes.txt").write_text("just a directory\n")
        return path

    def corrupt(self, name: str) -> Path:
        """HEAD holds garbage: git no longer recognises the repo."""
        repo = self._new(name)
        (repo / ".git" / "HEAD").write_text("garbage\n")
        return repo

    def missing_object(self, name: str) -> Path:
        """HEAD's commit object has been deleted."""
        repo = self.ahead(name)  # a fresh local commit is a loose object, never packed
        oid = self._rev(repo)
        (repo / ".git" / "objects" / oid[:2] / oid[2:]).unlink()
        return repo

    def missing(self, name: str) -> Path:
        """A path where a repo was registered but no longer exists."""
        return self.repos / name

    # -- remotes that misbehave -------------------------------------------------

    def hanging_remote(self, name: str) -> Path:
        """A remote whose upload-pack never answers: a fetch hangs until killed.

        The stand-in is ``hang_script(name)``; the pids of it and its ``sleep`` are appended
        to ``hang_pids_file(name)`` each time a fetch starts it.
        """
        repo = self._new(name)
        script = self.hang_script(name)
        script.write_text(_HANG_SCRIPT.format(pids=shlex.quote(str(self.hang_pids_file(name)))))
        script.chmod(0o755)
        # Honoured for local-path remotes too: git runs it through the shell
        # with the repo path appended, hence the quoting.
        self.git(repo, "config", "remote.origin.uploadpack", shlex.quote(str(script)))
        return repo

    def hang_script(self, name: str) -> Path:
        return self.remotes / f"{name}.hang.sh"

    def hang_pids_file(self, name: str) -> Path:
        return self.remotes / f"{name}.hang.pids"

    def slow_remote(self, repo: Path, seconds: float) -> Path:
        """Make every fetch of ``repo`` (a clone this builder made) take ``seconds`` longer."""
        script = slow_upload_pack(self.remotes / f"{repo.name}.slow.sh", seconds)
        self.git(repo, "config", "remote.origin.uploadpack", shlex.quote(str(script)))
        return repo

    def password_remote(self, name: str, url: str) -> Path:
        """A clone whose origin is ``url`` (e.g. an http server that answers 401)."""
        repo = self._new(name)
        self.git(repo, "remote", "set-url", "origin", url)
        return repo

    def kill_hung_remotes(self) -> None:
        """SIGKILL every hang stand-in (and its ``sleep``) this builder's remotes started.

        A test that SIGKILLs a sweeper leaves its hung fetch running (git has a session of
        its own, so that a timeout can kill its group); end those here, not in later tests.
        """
        for pids in self.remotes.glob("*.hang.pids"):
            for pid in pids.read_text().split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
