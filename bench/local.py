"""The local sweep (no fetch) over 1,000 repos, against git run through ``xargs -P <cpus x 4>``
and against ``gita ll``, in the same run (issue 15, item 4).

Two baselines, one per target: the engine (``Sweeper.run``) against ``git status`` alone per
repo — the floor, one git process per repo — and the command an operator and the timer run,
``statehub sweep --remote-all --no-fetch --json`` end to end, against the two inspection
commands (``status`` and ``for-each-ref``) per repo, which is what the shell loop it replaced
ran.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from bench.contenders import (
    INSPECT_COMMANDS,
    STATUS_COMMAND,
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

ENGINE_TARGET = 1.2  # times xargs running `git status` alone
CLI_TARGET = 1.0  # times xargs running `status` + `for-each-ref`
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
    xargs_cpu: dict[str, list[float]] = {two_commands(parallel): [], status_only(parallel): []}

    def engine() -> float:
        engine_runs.append(sweep_engine(env, fetch=False))
        return engine_runs[-1].seconds

    def cli() -> float:
        cli_runs.append(sweep_cli(env, fetch=False))
        return cli_runs[-1].seconds

    contenders = {
        "sweep (Sweeper.run)": engine,
        "statehub sweep CLI": cli,
        two_commands(parallel): lambda: xargs_git(
            paths,
            INSPECT_COMMANDS,
            parallel=parallel,
            per_call=PER_CALL,
            cpu=xargs_cpu[two_commands(parallel)],
        ),
        status_only(parallel): lambda: xargs_git(
            paths,
            [STATUS_COMMAND],
            parallel=parallel,
            per_call=PER_CALL,
            cpu=xargs_cpu[status_only(parallel)],
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

    both, floor = two_commands(parallel), status_only(parallel)
    engine_median = samples.median("sweep (Sweeper.run)")
    engine_floor = samples.ratio("sweep (Sweeper.run)", floor)
    cli_ratio = samples.ratio("statehub sweep CLI", both)
    checks = median([r.checks_seconds for r in engine_runs])
    recording = median([r.seconds - r.checks_seconds for r in engine_runs])
    section.rows = [
        Row(
            f"local sweep, {n:,} repos (`Sweeper.run`: lock, checks, recording)",
            seconds(engine_median),
            f"{floor}: {seconds(samples.median(floor))}",
            times(engine_floor),
            f"≤ {ENGINE_TARGET}x xargs, status alone",
            verdict(engine_floor <= ENGINE_TARGET),
        ),
        Row(
            "… against the two inspection commands through xargs",
            seconds(engine_median),
            f"{both}: {seconds(samples.median(both))}",
            times(samples.ratio("sweep (Sweeper.run)", both)),
        ),
        cpu_row("… in CPU time (its threads and its git)", engine_runs, floor, xargs_cpu),
        Row(
            f"… of which checking repos / recording ({workers_of(engine_runs)})",
            f"{seconds(checks)} / {seconds(recording)}",
        ),
        Row(
            f"`statehub sweep --remote-all --no-fetch --json`, {n:,} repos (end to end)",
            seconds(samples.median("statehub sweep CLI")),
            f"{both}: {seconds(samples.median(both))}",
            times(cli_ratio),
            f"≤ {CLI_TARGET}x xargs, status + for-each-ref",
            verdict(cli_ratio <= CLI_TARGET),
        ),
        cpu_row("… in CPU time (the CLI and its git)", cli_runs, both, xargs_cpu),
    ]
    if gita is not None:
        gita_median = samples.median("gita ll")
        section.rows.append(
            Row(
                f"`gita ll`, same {n:,} repos",
                seconds(gita_median),
                f"sweep: {seconds(engine_median)}",
                f"sweep is {times(gita_median / engine_median)} faster",
            )
        )
    counts = engine_runs[-1].counts
    section.notes.append(
        "Every sweep classified the fleet the same way: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + ". Peak RSS of the sweep child: "
        + f"{median([r.max_rss_mb for r in engine_runs]):.0f} MB (its own, VmHWM); of the CLI "
        + f"at most {median([r.max_rss_mb for r in cli_runs]):.0f} MB (wait4's ru_maxrss, which "
        + "includes the bench's own RSS at the spawn)."
    )
    section.notes.append(cpu_note(engine_runs, xargs_cpu, n))
    section.commands = [
        f"STATEHUB_HOME={home} python -m bench.sweep_child    # times Sweeper.run",
        f"STATEHUB_HOME={home} statehub {shlex.join(sweep_argv(fetch=False)[3:])}",
        "printf '%s\\0' <repo paths> | "
        + shlex.join(xargs_argv(INSPECT_COMMANDS, parallel=parallel, per_call=PER_CALL)),
        "printf '%s\\0' <repo paths> | "
        + shlex.join(xargs_argv([STATUS_COMMAND], parallel=parallel, per_call=PER_CALL)),
    ]
    if gita is not None:
        section.commands.append(f"GITA_PROJECT_HOME={gita_home} gita ll")
    return section


def cpu_row(
    label: str, runs: list[SweepRun], baseline: str, xargs_cpu: dict[str, list[float]]
) -> Row:
    """The same comparison in CPU seconds, which the load from elsewhere moves far less than
    wall time: on a quiet machine where both keep every CPU busy, the wall ratio comes near it.
    """
    mine, theirs = median([r.cpu_total for r in runs]), median(xargs_cpu[baseline])
    return Row(label, seconds(mine), f"{baseline}: {seconds(theirs)}", times(mine / theirs))


def cpu_note(engine_runs: list[SweepRun], xargs_cpu: dict[str, list[float]], n: int) -> str:
    """Where the time goes: on a CPU-bound machine, wall time follows CPU time."""
    own = median([r.cpu_own for r in engine_runs])
    git = median([r.cpu_git for r in engine_runs])
    baselines = "; ".join(f"{name}: {seconds(median(cpu))}" for name, cpu in xargs_cpu.items())
    return (
        f"CPU time (user + system, medians): `Sweeper.run`'s own threads {seconds(own)} "
        f"({own / n * 1000:.2f} ms per repo), the git it ran {seconds(git)}; {baselines} "
        "(xargs, its shells and their git). On a CPU-bound machine the wall-time ratio "
        "follows these: the sweep's own CPU is what the engine adds to git's."
    )


def two_commands(parallel: int) -> str:
    return f"xargs -P {parallel}: status + for-each-ref"


def status_only(parallel: int) -> str:
    return f"xargs -P {parallel}: status alone"


def workers_of(runs: list[SweepRun]) -> str:
    return str(runs[-1].workers) if runs else "?"
