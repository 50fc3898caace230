"""Issue 15 item 3: what one large repo (``Sizes.large_files``, ~20,000 files) costs a sweep.

Three copies of the same clone, each as the sweep meets it:

* **idle**: the index was refreshed by the user's last git command (the settled repo);
* **touched**: every tracked file's mtime moved without a content change, as after a
  checkout of another branch and back, a ``touch``, or a build tool. The sweep reads status
  with ``GIT_OPTIONAL_LOCKS=0`` (it must never take ``index.lock`` under the user's feet), so
  git re-hashes every touched file *and cannot write the refreshed index back*: every sweep
  pays again, until the user's own git next writes the index;
* **untracked cache**: ``core.untrackedCache=true`` with the cache built, idle otherwise.

Each is timed running the sweep's own status call (``STATUS_ARGS`` in the sweep's git
environment), interleaved, and next to it the user's plain ``git status`` on a touched copy
(which may write the index, so it is re-touched before each run: what one user command costs
once). The finding and the decision are in ``bench/findings.md``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from bench.context import BenchContext
from bench.fleet import LARGE
from bench.measure import interleaved
from bench.report import Row, Section, millis, times
from statehub.fleet.porcelain import STATUS_ARGS
from statehub.git.runner import git_environment

REPETITIONS = 7
REPETITIONS_QUICK = 3


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, timeout=600)


def _copy(template: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    # symlinks=True: a clone has none, but a copy must never follow one out of the tree.
    shutil.copytree(template, target, symlinks=True)
    _git(target, "update-index", "-q", "--refresh")  # new inodes: settle the copy first
    return target


def _touch_all(repo: Path) -> int:
    """Move every tracked file's mtime forward by a second; content stays the same."""
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=repo, check=True, capture_output=True, timeout=120
    ).stdout
    stamp = time.time() + 1
    names = [n for n in listing.decode().split("\0") if n]
    for name in names:
        os.utime(repo / name, (stamp, stamp))
    return len(names)


def _timed(repo: Path, args: tuple[str, ...], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - started


def run(ctx: BenchContext) -> Section:
    ctx.templates().ensure()
    template = ctx.templates().clone(LARGE)
    files = ctx.sizes.large_files
    section = Section("bigrepo", f"One large repo (~{files:,} files): what each sweep pays")
    root = ctx.work / "bigrepo"
    idle = _copy(template, root / "idle")
    touched = _copy(template, root / "touched")
    cached = _copy(template, root / "untracked-cache")
    user = _copy(template, root / "user-git")
    _git(cached, "config", "core.untrackedCache", "true")
    _git(cached, "update-index", "--untracked-cache")
    _git(cached, "status", "--porcelain")  # the user's git builds the cache and writes it
    touched_files = _touch_all(touched)

    sweep_env = git_environment()
    user_env = {k: v for k, v in sweep_env.items() if k != "GIT_OPTIONAL_LOCKS"}

    def user_status() -> float:
        _touch_all(user)  # each run starts from the touched state, as the sweep's does
        return _timed(user, ("status", "--porcelain"), user_env)

    contenders = {
        "idle": lambda: _timed(idle, STATUS_ARGS, sweep_env),
        "touched": lambda: _timed(touched, STATUS_ARGS, sweep_env),
        "untracked cache": lambda: _timed(cached, STATUS_ARGS, sweep_env),
        "user's git status, touched": user_status,
    }
    reps = REPETITIONS_QUICK if ctx.quick else REPETITIONS
    samples = interleaved(contenders, repetitions=reps)
    base = samples.median("idle")
    for name in contenders:
        section.rows.append(
            Row(
                measurement=f"sweep's status call, {name}"
                if name != "user's git status, touched"
                else name + " (may write the index)",
                figure=millis(samples.median(name)),
                baseline="idle " + millis(base),
                ratio=times(samples.ratio(name, "idle")),
            )
        )
    still = _timed(touched, STATUS_ARGS, sweep_env)
    section.notes += [
        f"{touched_files:,} tracked files touched; after {reps + 1} sweeps' status calls the "
        f"touched copy still costs {still * 1000:.0f} ms a sweep: with GIT_OPTIONAL_LOCKS=0 "
        "the refreshed index is never written back.",
        "Each figure is the median of the runs; the contenders ran interleaved.",
    ]
    section.commands += [
        f"git {' '.join(STATUS_ARGS)}  # GIT_OPTIONAL_LOCKS=0, the sweep's environment",
        "git config core.untrackedCache true && git update-index --untracked-cache",
    ]
    section.samples = samples.values
    return section
