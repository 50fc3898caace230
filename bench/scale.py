"""A local sweep of 10,000 repos — wall time and peak RSS — and how both grow from 1,000
repos, next to the two-command xargs baseline over the same fleets (issue 15, item 4).

Growth is judged per repo: wall time per repo at 1,000 and at 10,000, and peak RSS per repo
on top of a sweep of an empty fleet (the interpreter and its imports, which do not grow).
Linear means the 10,000-repo figure per repo is no more than ``LINEAR_SLACK`` times the
1,000-repo one.
"""

from __future__ import annotations

from bench.contenders import INSPECT_COMMANDS, SweepRun, sweep_engine, xargs_git
from bench.context import BenchContext
from bench.home import prepare_home
from bench.measure import interleaved, median
from bench.report import Row, Section, seconds, times, verdict
from testing.serve import statehub_env

RSS_TARGET_MB = 300.0
WALL_TARGET = 1.0  # times xargs running status + for-each-ref per repo
# Per-repo cost at 10x the repos within this factor of the small fleet's: linear growth,
# with room for the noise of a shared machine (xargs's own growth is shown next to it).
LINEAR_SLACK = 1.15
PER_CALL = 8


def run(ctx: BenchContext) -> Section:
    small, large = ctx.sizes.local_repos, ctx.sizes.scale_repos
    parallel = ctx.cpus * 4
    section = Section("scale", f"Scale: local sweep of {large:,} repos, growth from {small:,}")
    entries = ctx.local_fleet().ensure(large)
    envs = {}
    for n in (0, small, large):
        home = ctx.home(f"scale-{n}")
        prepare_home(home, entries[:n]).dispose()
        envs[n] = statehub_env(home)
    runs: dict[int, list[SweepRun]] = {0: [], small: [], large: []}

    def sweep(n: int) -> float:
        runs[n].append(sweep_engine(envs[n], fetch=False))
        return runs[n][-1].seconds

    def baseline(n: int) -> float:
        paths = [e.path for e in entries[:n]]
        return xargs_git(paths, INSPECT_COMMANDS, parallel=parallel, per_call=PER_CALL)

    samples = interleaved(
        {
            "sweep, empty fleet": lambda: sweep(0),
            f"sweep {small:,}": lambda: sweep(small),
            f"xargs {small:,}": lambda: baseline(small),
            f"sweep {large:,}": lambda: sweep(large),
            f"xargs {large:,}": lambda: baseline(large),
        },
        repetitions=ctx.sizes.slow_repetitions,
        warmup=[],  # the local section has warmed the first 1,000; these runs are long
    )
    section.samples = samples.values
    rss = {n: median([r.max_rss_mb for r in runs[n]]) for n in runs}
    wall = {n: samples.median(f"sweep {n:,}") for n in (small, large)}
    base = {n: samples.median(f"xargs {n:,}") for n in (small, large)}
    section.samples |= {f"peak RSS MB, {n:,} repos": [r.max_rss_mb for r in runs[n]] for n in runs}
    section.rows = [
        _wall_row(large, wall[large], base[large], parallel),
        Row(
            f"local sweep, {large:,} repos: peak RSS",
            f"{rss[large]:.0f} MB",
            f"{small:,} repos: {rss[small]:.0f} MB; empty fleet: {rss[0]:.0f} MB",
            times(rss[large] / rss[small]),
            f"< {RSS_TARGET_MB:.0f} MB",
            verdict(rss[large] < RSS_TARGET_MB),
        ),
        *_growth_rows(small, large, wall, base, rss),
    ]
    section.notes.append(
        "Peak RSS is the sweep process's own (VmHWM, read by the sweep child as it ends; git "
        "children are smaller). Per repo it is the peak above the empty fleet's, divided by "
        "the repos: what each repo "
        "adds to the interpreter and its imports. Wall time per repo includes the lock, the "
        "listing and the recording, which grow with the fleet too."
    )
    section.commands = [
        f"STATEHUB_HOME={ctx.home(f'scale-{n}')} python -m bench.sweep_child" for n in runs
    ]
    return section


def _wall_row(n: int, wall: float, base: float, parallel: int) -> Row:
    ratio = wall / base
    return Row(
        f"local sweep, {n:,} repos: wall time (`Sweeper.run`)",
        seconds(wall),
        f"xargs -P {parallel}: status + for-each-ref: {seconds(base)}",
        times(ratio),
        f"≤ {WALL_TARGET}x xargs",
        verdict(ratio <= WALL_TARGET),
    )


def _growth_rows(
    small: int,
    large: int,
    wall: dict[int, float],
    base: dict[int, float],
    rss: dict[int, float],
) -> list[Row]:
    per_repo = {n: wall[n] / n for n in (small, large)}
    base_per_repo = {n: base[n] / n for n in (small, large)}
    added = {n: max(rss[n] - rss[0], 0.0) * 1024 / n for n in (small, large)}  # KB per repo
    time_growth = per_repo[large] / per_repo[small]
    rss_growth = added[large] / added[small] if added[small] else float("nan")
    linear = f"≤ {LINEAR_SLACK:g}x (linear)"
    return [
        Row(
            f"wall time per repo, {small:,} → {large:,} repos",
            f"{per_repo[small] * 1000:.2f} → {per_repo[large] * 1000:.2f} ms",
            "xargs: "
            f"{base_per_repo[small] * 1000:.2f} → {base_per_repo[large] * 1000:.2f} ms "
            f"({times(base_per_repo[large] / base_per_repo[small])})",
            times(time_growth),
            linear,
            verdict(time_growth <= LINEAR_SLACK),
        ),
        Row(
            f"peak RSS per repo above an empty fleet's, {small:,} → {large:,} repos",
            f"{added[small]:.1f} → {added[large]:.1f} KB",
            f"empty fleet: {rss[0]:.0f} MB",
            times(rss_growth),
            linear,
            verdict(rss_growth <= LINEAR_SLACK),
        ),
    ]
