"""Item 2: the local sweep (no fetch) over 1,000 repos, against the same git commands run
through ``xargs -P <cpusx4>`` and against ``gita ll``, in the same run."""

from __future__ import annotations

import shlex
from pathlib import Path

from bench.contenders import (
    INSPECT_COMMANDS,
    SweepRun,
    gita_ll,
    gita_register,
    sweep_argv,
    sweep_cli,
    sweep_engine,
    xargs_argv,
    xargs_git,
)
from bench.context import BenchContext
from bench.fleet import existing
from bench.home import prepare_home
from bench.measure import interleaved, median
from bench.report import Row, Section, seconds, times, verdict
from testing.serve import statehub_env

TARGET = 1.2
# Eight repos per shell: fewer `sh` processes make the baseline faster than one per repo.
PER_CALL = 8


def run(ctx: BenchContext, gita: Path | None) -> Section:
    n = ctx.sizes.local_repos
    parallel = ctx.cpus * 4
    section = Section("local", f"Local sweep of {n:,} repos (no fetch)")
    entries = ctx.local_fleet().ensure(n)
    home = ctx.home(f"local-{n}")
    prepare_home(home, entries).dispose()
    env = statehub_env(home)
    paths = [e.path for e in entries]
    engine_runs: list[SweepRun] = []
    cli_runs: list[SweepRun] = []

    def engine() -> float:
        engine_runs.append(sweep_engine(env, fetch=False))
        return engine_runs[-1].seconds

    def cli() -> float:
        cli_runs.append(sweep_cli(env, fetch=False))
        return cli_runs[-1].seconds

    contenders = {
        "sweep (Sweeper.run)": engine,
        "statehub sweep CLI": cli,
        f"xargs -P {parallel}": lambda: xargs_git(
            paths, INSPECT_COMMANDS, parallel=parallel, per_call=PER_CALL
        ),
    }
    gita_home = ctx.work / f"gita-{n}"
    if gita is not None:
        gita_register(gita, gita_home, [e.path for e in existing(entries)])
        contenders["gita ll"] = lambda: gita_ll(gita, gita_home)
    samples = interleaved(
        contenders, repetitions=ctx.sizes.repetitions, warmup=None if ctx.sizes.warmup else []
    )
    section.samples = samples.values

    base = f"xargs -P {parallel}"
    base_text = f"{base}: {seconds(samples.median(base))}"
    engine_ratio = samples.ratio("sweep (Sweeper.run)", base)
    cli_ratio = samples.ratio("statehub sweep CLI", base)
    checks = median([r.checks_seconds for r in engine_runs])
    recording = median([r.seconds - r.checks_seconds for r in engine_runs])
    section.rows = [
        Row(
            f"local sweep, {n:,} repos (`Sweeper.run`: lock, checks, recording)",
            seconds(samples.median("sweep (Sweeper.run)")),
            base_text,
            times(engine_ratio),
            f"≤ {TARGET}x xargs",
            verdict(engine_ratio <= TARGET),
        ),
        Row(
            f"… of which checking repos / recording ({workers_of(engine_runs)})",
            f"{seconds(checks)} / {seconds(recording)}",
        ),
        Row(
            f"`statehub sweep --remote-all --no-fetch --json`, {n:,} repos (end to end)",
            seconds(samples.median("statehub sweep CLI")),
            base_text,
            times(cli_ratio),
            f"≤ {TARGET}x xargs",
            verdict(cli_ratio <= TARGET),
        ),
    ]
    if gita is not None:
        gita_median = samples.median("gita ll")
        section.rows.append(
            Row(
                f"`gita ll`, same {n:,} repos",
                seconds(gita_median),
                f"sweep: {seconds(samples.median('sweep (Sweeper.run)'))}",
                f"sweep is {times(gita_median / samples.median('sweep (Sweeper.run)'))} faster",
            )
        )
    counts = engine_runs[-1].counts
    section.notes.append(
        "Every sweep classified the fleet the same way: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + ". Peak RSS of the CLI sweep: "
        + f"{median([r.max_rss_mb for r in cli_runs]):.0f} MB."
    )
    section.commands = [
        f"STATEHUB_HOME={home} python -m bench.sweep_child    # times Sweeper.run",
        f"STATEHUB_HOME={home} statehub {shlex.join(sweep_argv(fetch=False)[3:])}",
        "printf '%s\\0' <repo paths> | "
        + shlex.join(xargs_argv(INSPECT_COMMANDS, parallel=parallel, per_call=PER_CALL)),
    ]
    if gita is not None:
        section.commands.append(f"GITA_PROJECT_HOME={gita_home} gita ll")
    return section


def workers_of(runs: list[SweepRun]) -> str:
    return str(runs[-1].workers) if runs else "?"
