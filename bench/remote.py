"""Item 3: the remote-all sweep (fetch every remote, then inspect) over 200 repos whose
remotes take 100 ms to answer, against ``xargs -P 32 git fetch`` and a sequential loop."""

from __future__ import annotations

import shlex

from bench.contenders import (
    FETCH_COMMAND,
    INSPECT_COMMANDS,
    SweepRun,
    sequential_git,
    sweep_engine,
    xargs_argv,
    xargs_git,
)
from bench.context import BenchContext
from bench.home import prepare_home
from bench.measure import interleaved, median
from bench.report import Row, Section, seconds, times, verdict
from testing.serve import statehub_env

PARALLEL = 32
TARGET_VS_XARGS = 1.2
TARGET_VS_SEQUENTIAL = 15.0


def run(ctx: BenchContext) -> Section:
    n, latency = ctx.sizes.remote_repos, ctx.sizes.latency_ms
    section = Section("remote", f"Remote-all sweep of {n:,} repos, {latency} ms per fetch")
    entries = ctx.remote_fleet().ensure(n)
    home = ctx.home(f"remote-{n}")
    prepare_home(home, entries, trusted=True).dispose()
    env = statehub_env(home)
    paths = [e.path for e in entries]
    runs: list[SweepRun] = []
    cpu: dict[str, list[float]] = {}

    def sweep() -> float:
        runs.append(sweep_engine(env, fetch=True))
        return runs[-1].seconds

    xargs_name, sequential_name = f"xargs -P {PARALLEL} git fetch", "sequential git fetch loop"
    same_work = f"xargs -P {PARALLEL}: fetch, status, for-each-ref"
    samples = interleaved(
        {
            "sweep (Sweeper.run, fetch)": sweep,
            xargs_name: lambda: xargs_git(
                paths, [FETCH_COMMAND], parallel=PARALLEL, cpu=cpu.setdefault(xargs_name, [])
            ),
            same_work: lambda: xargs_git(
                paths,
                [FETCH_COMMAND, *INSPECT_COMMANDS],
                parallel=PARALLEL,
                cpu=cpu.setdefault(same_work, []),
            ),
            sequential_name: lambda: sequential_git(paths, [FETCH_COMMAND]),
        },
        repetitions=ctx.sizes.slow_repetitions,
        # The first fetch of a "behind" repo downloads its objects; later ones only ask.
        warmup=["sweep (Sweeper.run, fetch)"] if ctx.sizes.warmup else [],
    )
    section.samples = samples.values
    sweep_median = samples.median("sweep (Sweeper.run, fetch)")
    vs_xargs = sweep_median / samples.median(xargs_name)
    speedup = samples.median(sequential_name) / sweep_median
    section.rows = [
        Row(
            f"remote-all sweep, {n} repos, {latency} ms/fetch ({runs[-1].workers})",
            seconds(sweep_median),
            f"{xargs_name}: {seconds(samples.median(xargs_name))}",
            times(vs_xargs),
            f"≤ {TARGET_VS_XARGS}x xargs",
            verdict(vs_xargs <= TARGET_VS_XARGS),
        ),
        Row(
            "… against the same work through xargs (fetch, then the two inspection commands)",
            seconds(sweep_median),
            f"{same_work}: {seconds(samples.median(same_work))}",
            times(sweep_median / samples.median(same_work)),
        ),
        Row(
            "… against the sequential loop",
            seconds(sweep_median),
            f"{sequential_name}: {seconds(samples.median(sequential_name))}",
            f"{speedup:.1f}x faster",
            f"≥ {TARGET_VS_SEQUENTIAL:g}x faster",
            verdict(speedup >= TARGET_VS_SEQUENTIAL),
        ),
    ]
    section.notes.append(
        "The sweep does more than the fetch-only baselines: after each fetch it also runs the "
        "two inspection commands, which the third contender adds to xargs. Checks took "
        f"{seconds(median([r.checks_seconds for r in runs]))} of the sweep's median; "
        "classified: " + ", ".join(f"{k} {v}" for k, v in runs[-1].counts.items()) + "."
    )
    own, git = median([r.cpu_own for r in runs]), median([r.cpu_git for r in runs])
    section.notes.append(
        f"CPU time (user + system, medians): the sweep's own threads {seconds(own)}, the git "
        f"it ran (fetch, the remote's upload-pack, status …) {seconds(git)}; "
        + "; ".join(f"{name}: {seconds(median(values))}" for name, values in cpu.items())
        + ". Where the CPUs, not the remotes' latency, bound the run, the ratio to fetch-only "
        "xargs follows the CPU the sweep's inspection adds to the fetches."
    )
    section.commands = [
        f"STATEHUB_HOME={home} python -m bench.sweep_child --fetch",
        "printf '%s\\0' <repo paths> | "
        + shlex.join(xargs_argv([FETCH_COMMAND], parallel=PARALLEL, per_call=1)),
        "printf '%s\\0' <repo paths> | "
        + shlex.join(xargs_argv([FETCH_COMMAND, *INSPECT_COMMANDS], parallel=PARALLEL, per_call=1)),
        "printf '%s\\0' <repo paths> | "
        + shlex.join(xargs_argv([FETCH_COMMAND], parallel=1, per_call=n)),
    ]
    return section
