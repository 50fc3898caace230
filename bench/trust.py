"""What the trust hardening costs (issue 11's trust boundary; issue 15, item 4: ≤ 3 %).

The engine without it no longer exists except in history, so this section runs the A/B of
``bench.abtest`` against two recorded commits: the one before the trust boundary landed and
the one that finished it (its last optimisation). Each is exported with ``git archive`` into
the work dir — ``statehub`` and the SQL foundation it stood on — and swept by the same
``bench.sweep_child``, interleaved (before, after, before, …), on the same 1,000-repo fleet,
each in a home whose database its own migrations made (bench.register_child).

This measures the hardening as it was added, against the engine it was added to; the engine
has changed since (later sections measure today's).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

from bench.context import REPO, BenchContext
from bench.measure import interleaved, median, run_child
from bench.report import Row, Section, seconds, times, verdict
from testing.serve import statehub_env

BEFORE = "38ab617"  # parent of 9347a1b "trust boundary (issue 11)"
AFTER = "ae19b2b"  # "trust: the repo's git dir passed on to inspect_repo …", its last change
# What an engine snapshot needs besides the installed dependencies.
PACKAGES = ("statehub", "sqlstore", "durations")
TARGET = 1.03


def run(ctx: BenchContext) -> Section:
    n = ctx.sizes.local_repos
    section = Section("trust", f"Cost of the trust hardening, {n:,} repos (before/after)")
    entries = ctx.local_fleet().ensure(n)
    pairs = [[e.name, str(e.path)] for e in entries]
    sides = {"before": BEFORE, "after": AFTER}
    trees = {name: snapshot(ctx.work, commit) for name, commit in sides.items()}
    envs = {}
    for name, tree in trees.items():
        home = ctx.home(f"trust-{name}-{n}")
        shutil.rmtree(home, ignore_errors=True)
        envs[name] = {**statehub_env(home), "PYTHONPATH": str(REPO)}
        run_child(
            [sys.executable, "-m", "bench.register_child"],
            env=envs[name],
            cwd=tree,
            stdin=json.dumps(pairs).encode(),
        )
    documents: dict[str, list[dict[str, float]]] = {name: [] for name in sides}

    def sweep(name: str) -> float:
        argv = [sys.executable, "-m", "bench.sweep_child"]
        child = run_child(argv, env=envs[name], cwd=trees[name])
        documents[name].append(json.loads(child.stdout))
        return float(documents[name][-1]["seconds"])

    samples = interleaved(
        {name: (lambda name=name: sweep(name)) for name in sides},
        repetitions=ctx.sizes.repetitions + 3,  # a 2 % effect needs more than 5 runs each
        warmup=None if ctx.sizes.warmup else [],
        alternate=True,
    )
    section.samples = samples.values
    if ctx.sizes.warmup:
        documents = {name: runs[1:] for name, runs in documents.items()}
    ratio = samples.ratio("after", "before")
    checks = {name: median([d["checks_seconds"] for d in documents[name]]) for name in sides}
    # CPU (the sweep's own and its git's) moves less with the load than wall time does.
    cpu = {
        name: median([d.get("cpu_own", math.nan) + d.get("cpu_git", math.nan) for d in docs])
        for name, docs in documents.items()
    }
    section.rows = [
        Row(
            f"local sweep, {n:,} repos, with the trust hardening (`{AFTER}`)",
            f"{seconds(samples.median('after'))} (checks {seconds(checks['after'])})",
            f"before it (`{BEFORE}`): {seconds(samples.median('before'))} "
            f"(checks {seconds(checks['before'])})",
            times(ratio),
            f"≤ {TARGET}x (+{(TARGET - 1) * 100:.0f} %)",
            verdict(ratio <= TARGET),
        ),
        Row(
            "… CPU time of the same sweeps (their own threads and their git)",
            seconds(cpu["after"]),
            f"before: {seconds(cpu['before'])}",
            times(cpu["after"] / cpu["before"]),
        ),
    ]
    section.notes.append(
        "Both sides are `Sweeper.run` timed inside `bench.sweep_child` (lock, checks, "
        "recording), their engines exported from git; the first run of each was a warm-up, "
        "and the order alternated (before, after; after, before; …). "
        "Both classified the fleet alike: before "
        + _counts(documents["before"])
        + "; after "
        + _counts(documents["after"])
        + "."
    )
    section.commands = [
        f"git archive {commit} {' '.join(PACKAGES)} | tar -x -C {trees[name]}"
        for name, commit in sides.items()
    ] + [
        f"cd {trees[name]} && STATEHUB_HOME={ctx.home(f'trust-{name}-{n}')} "
        f"PYTHONPATH={REPO} python -m bench.sweep_child"
        for name in sides
    ]
    return section


def snapshot(work: Path, commit: str) -> Path:
    """``statehub`` and its SQL foundation as they were at ``commit``, exported once."""
    tree = work / "snapshots" / commit
    stamp = tree / ".exported"
    if stamp.exists():
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    present = [p for p in PACKAGES if _exists(commit, p)]
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, *present],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise RuntimeError(
            f"cannot export commit {commit} from {REPO} "
            f"({archive.stderr.decode(errors='replace').strip()}); "
            "the trust section needs a clone with its history (not a shallow one)"
        )
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    stamp.touch()
    return tree


def _exists(commit: str, path: str) -> bool:
    probe = ["git", "-C", str(REPO), "cat-file", "-e", f"{commit}:{path}"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def _counts(documents: list[dict[str, float]]) -> str:
    if not documents:
        return "no runs"
    counts = documents[-1]["counts"]
    assert isinstance(counts, dict)
    return ", ".join(f"{k} {v}" for k, v in counts.items())
