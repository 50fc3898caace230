"""The trust hardening's cost per repo, back to back: ``python -m bench.trust_pairs_child``.

A whole sweep's CPU moves by 10 % and more from one run to the next on this shared 2-CPU
host (its speed drifts within minutes), which hides a 3 % effect however many sweeps are
paired. Here each repo of the fleet is checked twice in a row by the sweep's own
``check_repo``, once as shipped and once with the hardening's per-repo work swapped out as
``bench.unguarded_child`` swaps it, in alternating order (with first for one repo, without
first for the next), so that both checks of a pair meet the same host speed, load and page
cache within a few milliseconds. One thread checks one repo at a time, so the CPU of a check
is exact: this thread's (``time.thread_time``) and that of the git it reaped between the two
readings (``RUSAGE_CHILDREN``).

What this leaves out of a sweep is the same on both sides: listing the repos, the thread pool,
recording. So the ratio it gives is that of the per-repo work, which is where the hardening
runs; a whole sweep's ratio is nearer 1.

Repo paths arrive NUL-separated on stdin; one JSON document is printed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench import unguarded_child
from bench.measure import cpu_seconds
from statehub.settings import load_settings
from statehub.sweep import check
from statehub.sweep.check import CheckPlan, check_repo
from statehub.sweep.deadline import Deadline
from statehub.sweep.engine import _sweep_trust, sweep_git_environment
from statehub.sweep.result import Mode

SIDES = ("with", "without")
WARMUP = 20  # repos checked on both sides first, unmeasured: imports, first reads


@dataclass
class Side:
    """One side's CPU, summed over its checks, pass by pass."""

    own: list[float] = field(default_factory=list)
    git: list[float] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    paths = [os.fsdecode(p) for p in sys.stdin.buffer.read().split(b"\0") if p]
    settings = load_settings()
    plan = CheckPlan(
        mode=Mode.WARN,
        fetch=False,
        fetch_timeout=settings.fetch_timeout,
        git_timeout=settings.git_timeout,
        deadline=Deadline.after(3600),
        trust=_sweep_trust(sweep_git_environment(fetch=False), settings.git_timeout),
    )
    print(json.dumps(_pairs(paths, plan, args.passes)))


def _pairs(paths: list[str], plan: CheckPlan, passes: int) -> dict[str, Any]:
    """Every repo of ``paths`` checked on both sides in a row, ``passes`` times over."""
    shipped = {name: getattr(check, name) for name in unguarded_child.SWAPPED}
    swaps = {"with": shipped, "without": unguarded_child.replacements()}
    sides = {name: Side() for name in SIDES}
    differences: list[float] = []  # with minus without, CPU of each pair: the spread of the mean
    for path in paths[:WARMUP]:
        for name in SIDES:
            _check(path, plan, swaps[name])
    for number in range(passes):
        for side in sides.values():
            side.own.append(0.0)
            side.git.append(0.0)
        for index, path in enumerate(paths):
            order = SIDES if (index + number) % 2 == 0 else SIDES[::-1]
            pair = {}
            for name in order:
                own, git, verdict = _check(path, plan, swaps[name])
                sides[name].own[-1] += own
                sides[name].git[-1] += git
                pair[name] = own + git
                if number == 0:
                    sides[name].verdicts[verdict] += 1
            differences.append(pair["with"] - pair["without"])
    return _document(sides, differences, len(paths), passes)


def _check(path: str, plan: CheckPlan, names: dict[str, Any]) -> tuple[float, float, str]:
    """One check of ``path`` with ``names`` in ``statehub.sweep.check``: its CPU and verdict."""
    vars(check).update({name: names[name] for name in unguarded_child.SWAPPED})
    own, git = time.thread_time(), cpu_seconds(resource.RUSAGE_CHILDREN)
    verdict = check_repo(path, path, allow_push=False, plan=plan).verdict
    return time.thread_time() - own, cpu_seconds(resource.RUSAGE_CHILDREN) - git, str(verdict)


def _document(
    sides: dict[str, Side], differences: list[float], repos: int, passes: int
) -> dict[str, Any]:
    return {
        "repos": repos,
        "passes": passes,
        "pairs": len(differences),
        # Per pair, seconds: the mean difference and its standard error.
        "difference_mean": statistics.fmean(differences),
        "difference_sem": statistics.stdev(differences) / math.sqrt(len(differences)),
        **{
            name: {"own": side.own, "git": side.git, "verdicts": dict(side.verdicts)}
            for name, side in sides.items()
        },
    }


if __name__ == "__main__":
    main()
