"""Before/after for an engine change, interleaved in one run: ``python -m bench.abtest``.

    cp -r statehub .bench/before-engine/        # before editing the engine
    ...edit...
    python -m bench.abtest --before .bench/before-engine --repos 1000
    python -m bench.abtest --before .bench/before-engine --repos 200 --fetch
    python -m bench.abtest --commits 38ab617 ae19b2b   # two recorded engines, e.g. the
                                                       # trust boundary as it was added

The "before" sweep runs with its working directory in the snapshot, so that ``statehub``
imports from there; everything else (fleet, settings, the sweep child) is shared. With
``--commits`` both sides are engines exported from git (``bench.trust.snapshot``), each in a
home its own migrations made (``bench.register_child``: an older engine refuses a newer
schema). On a shared machine, two sweeps measured minutes apart are not comparable;
interleaved they are.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import httpx

from bench import api
from bench.context import REPO, BenchContext, Sizes
from bench.fleet import FleetRepo
from bench.home import prepare_home
from bench.measure import Latency, interleaved, median, run_child
from bench.server import serving
from bench.trust import snapshot
from testing.serve import statehub_env


def _sweep(cwd: Path, env: dict[str, str], fetch: bool, into: list[dict[str, float]]) -> float:
    argv = [sys.executable, "-m", "bench.sweep_child", *(["--fetch"] if fetch else [])]
    run = run_child(argv, env={**env, "PYTHONPATH": str(REPO)}, cwd=cwd)
    document = json.loads(run.stdout)
    into.append({**document, "max_rss_mb": run.max_rss_mb})
    return float(document["seconds"])


def _api(before: Path, ctx: BenchContext, repos: int, sweeps: int) -> None:
    """p50/p99 of GET /health and a lock-skipped POST during sweeps the server runs."""
    entries = ctx.local_fleet().ensure(repos)
    found: dict[str, dict[str, Latency]] = {}
    for _ in range(sweeps):
        for name, cwd in (("before", before), ("after", REPO)):
            home = ctx.home(f"ab-api-{name}-{repos}")
            prepare_home(home, entries).dispose()
            env = {**statehub_env(home), "PYTHONPATH": str(REPO)}
            log = ctx.work / "logs" / f"ab-api-{name}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with serving(env, log, cwd=cwd) as url, httpx.Client(base_url=url, timeout=120) as c:
                health, post = [], []
                api.probe_one_sweep(c, health, post)
            latency = found.setdefault(name, {"health": Latency(), "post": Latency()})
            latency["health"].batch(health)
            latency["post"].batch(post)
    for name, latency in found.items():
        print(f"{name:6} GET /health {latency['health'].text()}; POST {latency['post'].text()}")


def _register(home: Path, entries: list[FleetRepo], engine: Path, *, trusted: bool) -> None:
    """A fresh home whose database the engine exported at ``engine`` made itself."""
    shutil.rmtree(home, ignore_errors=True)
    pairs = json.dumps([[e.name, str(e.path)] for e in entries]).encode()
    env = {**statehub_env(home), "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "bench.register_child", *(["--trusted"] if trusted else [])]
    run_child(argv, env=env, cwd=engine, stdin=pairs)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.abtest")
    before = parser.add_mutually_exclusive_group(required=True)
    before.add_argument("--before", type=Path, help="dir holding statehub/")
    before.add_argument("--commits", nargs=2, metavar=("BEFORE", "AFTER"), help="two commits")
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--fetch", action="store_true", help="remote fleet, with fetches")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--api", action="store_true", help="API latency during sweeps instead")
    args = parser.parse_args()
    ctx = BenchContext(Sizes(), (REPO / ".bench").resolve())
    if args.api:
        if args.before is None:
            parser.error("--api compares --before with this checkout")
        _api(args.before.resolve(), ctx, args.repos, args.reps)
        return
    fleet = ctx.remote_fleet() if args.fetch else ctx.local_fleet()
    entries = fleet.ensure(args.repos)
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    if args.commits:
        cwd = {name: snapshot(ctx.work, c) for name, c in zip(runs, args.commits, strict=True)}
    else:
        cwd = {"before": args.before.resolve(), "after": REPO}
    envs = {}
    for name in runs:
        home = ctx.home(f"ab-{name}-{args.repos}{'-fetch' if args.fetch else ''}")
        if args.commits:
            _register(home, entries, cwd[name], trusted=args.fetch)
        else:
            prepare_home(home, entries, trusted=args.fetch).dispose()
        envs[name] = statehub_env(home)
    samples = interleaved(
        {n: (lambda n=n: _sweep(cwd[n], envs[n], args.fetch, runs[n])) for n in runs},
        repetitions=args.reps,
        alternate=True,  # before, after; after, before: a drift in the load favours neither
    )
    for name, documents in runs.items():
        measured = documents[1:]  # the first was the warm-up
        print(
            f"{name:6} median {samples.median(name):.2f} s "
            f"(checks {median([d['checks_seconds'] for d in measured]):.2f} s, "
            f"recording {median([d['seconds'] - d['checks_seconds'] for d in measured]):.2f} s, "
            f"peak RSS {median([d['max_rss_mb'] for d in measured]):.0f} MB, "
            f"CPU own {median([d.get('cpu_own', float('nan')) for d in measured]):.2f} s, "
            f"git {median([d.get('cpu_git', float('nan')) for d in measured]):.2f} s, "
            f"workers {measured[-1]['workers']}) samples {samples.values[name]}"
        )
    print(f"after/before: {samples.ratio('after', 'before'):.2f}")


if __name__ == "__main__":
    main()
