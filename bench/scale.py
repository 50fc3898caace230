"""Item 4: a local sweep of 10,000 repos — wall time and peak RSS — and how both grow from
1,000 repos, next to the xargs baseline's growth over the same fleets."""

from __future__ import annotations

from bench.contenders import INSPECT_COMMANDS, SweepRun, sweep_engine, xargs_git
from bench.context import BenchContext
from bench.home import prepare_home
from bench.measure import interleaved, median
from bench.report import Row, Section, seconds, times, verdict
from testing.serve import statehub_env

RSS_TARGET_MB = 300.0
PER_CALL = 8


def run(ctx: BenchContext) -> Section:
    small, large = ctx.sizes.local_repos, ctx.sizes.scale_repos
    parallel = ctx.cpus * 4
    section = Section("scale", f"Scale: local sweep of {large:,} repos, growth from {small:,}")
    entries = ctx.local_fleet().ensure(large)
    envs = {}
    for n in (small, large):
        home = ctx.home(f"scale-{n}")
        prepare_home(home, entries[:n]).dispose()
        envs[n] = statehub_env(home)
    runs: dict[int, list[SweepRun]] = {small: [], large: []}

    def sweep(n: int) -> float:
        runs[n].append(sweep_engine(envs[n], fetch=False))
        return runs[n][-1].seconds

    def baseline(n: int) -> float:
        paths = [e.path for e in entries[:n]]
        return xargs_git(paths, INSPECT_COMMANDS, parallel=parallel, per_call=PER_CALL)

    samples = interleaved(
        {
            f"sweep {small:,}": lambda: sweep(small),
            f"xargs {small:,}": lambda: baseline(small),
            f"sweep {large:,}": lambda: sweep(large),
            f"xargs {large:,}": lambda: baseline(large),
        },
        repetitions=ctx.sizes.slow_repetitions,
        warmup=[],  # the local section has warmed the first 1,000; these runs are long
    )
    section.samples = samples.values
    rss = {n: median([r.max_rss_mb for r in runs[n]]) for n in (small, large)}
    wall = {n: samples.median(f"sweep {n:,}") for n in (small, large)}
    base = {n: samples.median(f"xargs {n:,}") for n in (small, large)}
    section.samples |= {f"peak RSS MB {n:,}": [r.max_rss_mb for r in runs[n]] for n in runs}
    factor = large / small
    section.rows = [
        Row(
            f"local sweep, {large:,} repos: wall time",
            seconds(wall[large]),
            f"xargs -P {parallel}: {seconds(base[large])}",
            times(wall[large] / base[large]),
        ),
        Row(
            f"local sweep, {large:,} repos: peak RSS",
            f"{rss[large]:.0f} MB",
            f"{small:,} repos: {rss[small]:.0f} MB",
            times(rss[large] / rss[small]),
            f"< {RSS_TARGET_MB:.0f} MB",
            verdict(rss[large] < RSS_TARGET_MB),
        ),
        Row(
            f"growth of wall time, {small:,} → {large:,} repos ({factor:g}x the repos)",
            times(wall[large] / wall[small]),
            f"xargs: {times(base[large] / base[small])}",
            times((wall[large] / wall[small]) / (base[large] / base[small])),
            "close to linear",
        ),
    ]
    section.notes.append(
        f"Peak RSS is the sweep process's (wait4's ru_maxrss; git children are smaller). "
        f"Growth {small:,} → {large:,}: +{rss[large] - rss[small]:.0f} MB, i.e. "
        f"{(rss[large] - rss[small]) * 1024 / (large - small):.1f} KB per repo on top of the "
        "interpreter and its imports."
    )
    section.commands = [
        f"STATEHUB_HOME={ctx.home(f'scale-{n}')} python -m bench.sweep_child" for n in runs
    ]
    return section
