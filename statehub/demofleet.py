"""Build real git repos in the known states of a working fleet: for ``statehub demo``,
tests and benchmarks.

Each state method makes a bare remote under ``root/remotes/<name>.git`` and a
clone of it under ``root/repos/<name>``, then puts the clone in that state and
returns its path. Repos are tiny (one README) and built from one seed remote
copied on disk, so a fleet of every state builds in about a second.

Only states a healthy repo can be in live here (dirty, ahead, diverged, a rebase in
progress…). Faults — broken repos, remotes that hang or ask for a password — are the
tests' business: ``testing.fleet.FleetBuilder`` adds them, outside the product.

The builder's own git processes ignore the user's global and system config
(a global ``commit.gpgsign`` or hook path would make building fail or prompt)
and carry their own identity in the environment; nothing is written to the
repos' config except what a state needs (an upstream, a branch).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from statehub.errors import FleetBuildError
from statehub.git.runner import GitResult, git_environment, run_git

_TIMEOUT = 30.0
_README = "README.md"


def _builder_env() -> dict[str, str]:
    env = git_environment()
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="State Hub Demo",
        GIT_AUTHOR_EMAIL="demo@statehub.invalid",
        GIT_COMMITTER_NAME="State Hub Demo",
        GIT_COMMITTER_EMAIL="demo@statehub.invalid",
    )
    return env


class FleetBuilder:
    """Makes repos in known states under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.remotes = root / "remotes"
        self.repos = root / "repos"
        self._env = _builder_env()
        self._seed: Path | None = None

    # -- plumbing ---------------------------------------------------------

    def git(self, cwd: Path, *args: str, check: bool = True) -> GitResult:
        """Run git as the builder does (isolated config, demo identity)."""
        result = run_git(args, cwd=cwd, timeout=_TIMEOUT, env=self._env)
        if check and not result.ok:
            raise FleetBuildError(f"git {' '.join(args)} in {cwd}: {result.error_line()}")
        return result

    def _rev(self, repo: Path, rev: str = "HEAD") -> str:
        return self.git(repo, "rev-parse", rev).stdout.decode().strip()

    def _seed_remote(self) -> Path:
        """A bare repo with one commit on main, built once and copied per repo."""
        if self._seed is None:
            seed = self.root / ".seed.git"
            work = self.root / ".seed-work"
            self.root.mkdir(parents=True, exist_ok=True)
            self.git(self.root, "init", "--quiet", "--bare", "--initial-branch=main", str(seed))
            self.git(self.root, "clone", "--quiet", str(seed), str(work))
            self._commit(work, "# demo repo\n", "Initial commit")
            self.git(work, "push", "--quiet", "origin", "main")
            shutil.rmtree(work)
            self._seed = seed
        return self._seed

    def _new(self, name: str) -> Path:
        remote = self.remotes / f"{name}.git"
        clone = self.repos / name
        if remote.exists() or clone.exists():
            raise FleetBuildError(f"a repo named {name!r} already exists under {self.root}")
        shutil.copytree(self._seed_remote(), remote, symlinks=True)
        self.repos.mkdir(parents=True, exist_ok=True)
        self.git(self.repos, "clone", "--quiet", str(remote), str(clone))
        return clone

    def _commit(self, repo: Path, content: str, message: str, file: str = _README) -> None:
        (repo / file).write_text(content)
        self.git(repo, "add", "--", file)
        self.git(repo, "commit", "--quiet", "-m", message)

    def _side_commit(self, repo: Path, content: str) -> str:
        """A commit on top of HEAD that no branch points to (to merge or pick later)."""
        self._commit(repo, content, "A change made elsewhere")
        oid = self._rev(repo)
        self.git(repo, "reset", "--quiet", "--hard", "HEAD~1")
        return oid

    def _remote_moves_on(self, name: str) -> None:
        """A teammate's commit lands on the remote's main; the clone has not fetched it."""
        remote = self.remotes / f"{name}.git"
        tree = self._rev(remote, "main^{tree}")
        oid = self.git(remote, "commit-tree", tree, "-p", "main", "-m", "A teammate's commit")
        self.git(remote, "update-ref", "refs/heads/main", oid.stdout.decode().strip())

    def _conflicting_clone(self, name: str) -> tuple[Path, str]:
        """A clone in sync with its remote plus a side commit that conflicts with its HEAD."""
        repo = self._new(name)
        theirs = self._side_commit(repo, "their line\n")
        self._commit(repo, "our line\n", "Our change")
        self.git(repo, "push", "--quiet")  # keep `ahead` out of the picture
        return repo, theirs

    # -- work tree states ---------------------------------------------------

    def clean(self, name: str) -> Path:
        return self._new(name)

    def dirty(self, name: str) -> Path:
        repo = self._new(name)
        (repo / _README).write_text("# demo repo\nAn edit nobody committed.\n")
        return repo

    def staged(self, name: str) -> Path:
        repo = self._new(name)
        (repo / "notes.txt").write_text("staged, not committed\n")
        self.git(repo, "add", "notes.txt")
        return repo

    def untracked(self, name: str) -> Path:
        repo = self._new(name)
        (repo / "scratch.txt").write_text("never added\n")
        return repo

    def conflicted(self, name: str) -> Path:
        """A merge stopped on a conflict: conflicted and a merge in progress."""
        repo, theirs = self._conflicting_clone(name)
        self.git(repo, "merge", "--no-edit", theirs, check=False)
        return repo

    def stash(self, name: str) -> Path:
        repo = self.dirty(name)
        self.git(repo, "stash", "--quiet")
        return repo

    # -- branch states --------------------------------------------------------

    def ahead(self, name: str) -> Path:
        repo = self._new(name)
        self._commit(repo, "# demo repo\nNot pushed yet.\n", "Unpushed work")
        return repo

    def behind(self, name: str) -> Path:
        """Behind once fetched: before a fetch the clone still looks clean."""
        repo = self._new(name)
        self._remote_moves_on(name)
        return repo

    def diverged(self, name: str) -> Path:
        repo = self.ahead(name)
        self._remote_moves_on(name)
        return repo

    def detached(self, name: str) -> Path:
        repo = self._new(name)
        self.git(repo, "switch", "--quiet", "--detach")
        return repo

    def no_upstream(self, name: str) -> Path:
        repo = self._new(name)
        self.git(repo, "branch", "--unset-upstream")
        return repo

    def upstream_gone(self, name: str) -> Path:
        """On a branch whose remote branch was deleted (shows as no_upstream)."""
        repo = self._new(name)
        self.git(repo, "switch", "--quiet", "-c", "feature")
        self.git(repo, "push", "--quiet", "-u", "origin", "feature")
        # Deleting through this clone also drops its origin/feature: gone at once.
        self.git(repo, "push", "--quiet", "origin", "--delete", "feature")
        return repo

    def ahead_on_other_branch(self, name: str) -> Path:
        """main is in sync; branch ``feature`` (not checked out) has an unpushed commit."""
        repo = self._new(name)
        self.git(repo, "switch", "--quiet", "-c", "feature")
        self.git(repo, "push", "--quiet", "-u", "origin", "feature")
        self._commit(repo, "# demo repo\nFeature work.\n", "Unpushed feature work")
        self.git(repo, "switch", "--quiet", "main")
        return repo

    # -- operations in progress ---------------------------------------------

    def merge_in_progress(self, name: str) -> Path:
        """A merge stopped before committing (no conflict): MERGE_HEAD only."""
        repo = self._new(name)
        tree = self._rev(repo, "HEAD^{tree}")
        side = self.git(repo, "commit-tree", tree, "-p", "HEAD", "-m", "Side work")
        self.git(repo, "merge", "--no-ff", "--no-commit", side.stdout.decode().strip())
        return repo

    def rebase_in_progress(self, name: str) -> Path:
        """An interactive rebase stopped at a ``break``: rebase-merge/ and a clean tree."""
        repo = self._new(name)
        # git runs the sequence editor through the shell with the todo file
        # appended, so this replaces the whole todo list with one `break`.
        self.git(repo, "-c", "sequence.editor=echo break >", "rebase", "--quiet", "-i", "HEAD")
        return repo

    def cherry_pick_in_progress(self, name: str) -> Path:
        repo, theirs = self._conflicting_clone(name)
        self.git(repo, "cherry-pick", theirs, check=False)
        return repo

    def revert_in_progress(self, name: str) -> Path:
        """Reverting a commit that a later one rewrote: a conflict, REVERT_HEAD."""
        repo = self._new(name)
        self._commit(repo, "our line\n", "Our change")
        self._commit(repo, "our second line\n", "Our later change")
        self.git(repo, "push", "--quiet")
        self.git(repo, "revert", "--no-edit", "HEAD~1", check=False)
        return repo

    def bisect_in_progress(self, name: str) -> Path:
        repo = self._new(name)
        self.git(repo, "bisect", "start")
        return repo


def build_demo_fleet(root: Path) -> dict[str, Path]:
    """A small fleet with a mix of states, for newcomers to run a sweep against."""
    builder = FleetBuilder(root)
    return {
        "website": builder.clean("website"),
        "api": builder.dirty("api"),
        "docs": builder.untracked("docs"),
        "cli": builder.ahead("cli"),
        "infra": builder.behind("infra"),
        "mobile": builder.diverged("mobile"),
        "notes": builder.stash("notes"),
        "experiments": builder.ahead_on_other_branch("experiments"),
        "sandbox": builder.merge_in_progress("sandbox"),
    }
