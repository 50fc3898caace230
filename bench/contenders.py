"""What the sweep is measured against: the same git commands through ``xargs -P``, a plain
sequential loop, and ``gita ll``; and the sweep itself, as the CLI runs it."""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.context import REPO
from bench.measure import run_child
from statehub.fleet.porcelain import STATUS_ARGS
from statehub.git.inspect import FETCH_ARGS
from statehub.git.runner import git_environment
from statehub.sweep.engine import SWEEP_NICENESS
from testing.serve import statehub_argv

# The floor: the sweep's own status call, the one git process per repo it cannot avoid.
STATUS_COMMAND: tuple[str, ...] = STATUS_ARGS
# The two-command baseline: status, then every branch's tip and upstream (and the upstream
# heads) from for-each-ref — what the sweep ran for every repo before issue 15 and what a
# shell loop needs for the same answer. Written out rather than taken from the engine's
# constants, so that the baseline does not move when the engine's fallback call changes.
LOOP_FOR_EACH_REF: tuple[str, ...] = (
    "for-each-ref",
    "--format=%(refname)%00%(objectname)%00%(upstream:short)%00%(upstream:track,nobracket)"
    "%00%(upstream)%00%(upstream:remotename)%00%(upstream:remoteref)",
    "refs/heads",
    "refs/remotes",
)
INSPECT_COMMANDS: tuple[tuple[str, ...], ...] = (STATUS_COMMAND, LOOP_FOR_EACH_REF)
FETCH_COMMAND: tuple[str, ...] = (*FETCH_ARGS, "--", "origin")  # the bench fleets' one remote


@dataclass(frozen=True)
class SweepRun:
    seconds: float  # what is being compared: see sweep_engine / sweep_cli
    checks_seconds: float  # the document's duration: checking repos, before recording
    # The sweep process's own peak (VmHWM, from the sweep child); for the CLI, wait4's
    # ru_maxrss, which Linux carries over exec from the spawning bench: an upper bound.
    max_rss_mb: float
    counts: dict[str, int]
    workers: str = "?"  # the pool, when known
    cpu_own: float = float("nan")  # Sweeper.run's own CPU (its threads), when timed inside
    cpu_git: float = float("nan")  # … and its git children's
    cpu_total: float = float("nan")  # what was timed, in CPU: own + git, or the whole CLI's


def sweep_argv(*, fetch: bool) -> list[str]:
    argv = statehub_argv("sweep", "--remote-all", "--json", "--max-seconds", "3600")
    return argv if fetch else [*argv, "--no-fetch"]


def sweep_cli(env: dict[str, str], *, fetch: bool) -> SweepRun:
    """``statehub sweep --remote-all --json [--no-fetch]``, timed from outside: start-up,
    imports, opening the store, the sweep, recording and printing the document."""
    run = run_child(sweep_argv(fetch=fetch), env=env)
    document = json.loads(run.stdout)
    counts = {
        key: len(document[key])
        for key in ("repos_processed", "skipped_clean", "skipped_missing", "skipped_budget")
    }
    counts["errors"] = len(document["errors"])
    return SweepRun(
        run.seconds,
        float(document["duration_seconds"]),
        run.max_rss_mb,
        counts,
        cpu_total=run.cpu_seconds,  # the CLI and every git it reaped
    )


def sweep_engine(env: dict[str, str], *, fetch: bool) -> SweepRun:
    """``Sweeper.run`` timed inside a child (see bench.sweep_child): the server's cost."""
    argv = [sys.executable, "-m", "bench.sweep_child", *(["--fetch"] if fetch else [])]
    run = run_child(argv, env=env, cwd=REPO)
    document = json.loads(run.stdout)
    peak = document.get("peak_rss_mb")
    return SweepRun(
        float(document["seconds"]),
        float(document["checks_seconds"]),
        float(peak) if peak is not None else run.max_rss_mb,
        document["counts"],
        str(document["workers"]),
        float(document.get("cpu_own", "nan")),
        float(document.get("cpu_git", "nan")),
        float(document.get("cpu_own", "nan")) + float(document.get("cpu_git", "nan")),
    )


def git_env() -> dict[str, str]:
    """The environment the sweep gives git (no prompts, no optional locks, C locale)."""
    return git_environment()


def per_repo_script(commands: Sequence[Sequence[str]]) -> str:
    """A ``sh -c`` body running ``git -C "$r" …`` for each repo argument, output discarded."""
    body = "; ".join(f'git -C "$r" {shlex.join(c)} >/dev/null 2>&1' for c in commands)
    # exit 0: a missing repo is not the loop's failure (xargs would report 123).
    return f'for r in "$@"; do {body}; done; exit 0'


def niced(argv: Sequence[str]) -> list[str]:
    """``argv`` at the sweep's own CPU priority, so that neither side is favoured."""
    return ["nice", "-n", str(SWEEP_NICENESS), *argv]


def xargs_argv(commands: Sequence[Sequence[str]], *, parallel: int, per_call: int) -> list[str]:
    """``nice xargs -0 -P parallel -n per_call sh -c '<per-repo git commands>'``."""
    script = per_repo_script(commands)
    xargs = ["xargs", "-0", "-P", str(parallel), "-n", str(per_call), "sh", "-c", script, "sh"]
    return niced(xargs)


def xargs_git(
    paths: Sequence[Path],
    commands: Sequence[Sequence[str]],
    *,
    parallel: int,
    per_call: int = 1,
    cpu: list[float] | None = None,
) -> float:
    """Wall time of running ``commands`` in every repo through xargs; its CPU (xargs, the
    shells and git) appended to ``cpu`` when given."""
    feed = b"\0".join(os.fsencode(p) for p in paths)
    child = run_child(
        xargs_argv(commands, parallel=parallel, per_call=per_call), env=git_env(), stdin=feed
    )
    if cpu is not None:
        cpu.append(child.cpu_seconds)
    return child.seconds


def sequential_git(paths: Sequence[Path], commands: Sequence[Sequence[str]]) -> float:
    """Wall time of one shell loop running ``commands`` in each repo in turn."""
    feed = b"\0".join(os.fsencode(p) for p in paths)
    argv = xargs_argv(commands, parallel=1, per_call=len(paths) or 1)
    return run_child(argv, env=git_env(), stdin=feed).seconds


def gita_env(gita_home: Path) -> dict[str, str]:
    # gita keeps its repo list under $GITA_PROJECT_HOME/gita: never the user's own.
    return {**git_env(), "GITA_PROJECT_HOME": str(gita_home)}


def gita_register(gita: Path, gita_home: Path, paths: Sequence[Path]) -> None:
    """``gita add`` every repo (not timed): gita's own registration, as its users do it."""
    config = gita_home / "gita"
    if config.exists():
        for stale in config.iterdir():
            stale.unlink()
    for start in range(0, len(paths), 500):
        chunk = [str(p) for p in paths[start : start + 500]]
        run_child([str(gita), "add", *chunk], env=gita_env(gita_home))


def gita_ll(gita: Path, gita_home: Path) -> float:
    return run_child(niced([str(gita), "ll"]), env=gita_env(gita_home)).seconds
