"""Issue 15 item 2: the start-up of ``statehub sweep --remote-all --no-fetch --json``.

Over an empty fleet the sweep itself takes milliseconds, so what is timed is the start-up:
the interpreter and every import the command line makes. Next to it, in the same run and
interleaved: ``python -c pass`` (the interpreter alone, the floor) and ``git --version`` (a
process start); and, when this checkout's history holds it, the same command from the code
as it was before the start-up work (``BEFORE``, checked out in a worktree and run by the same
interpreter). ``python -X importtime`` of both says where the time goes, by package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.context import REPO, BenchContext
from bench.measure import interleaved, median, run_child
from bench.report import Row, Section, millis, times, verdict
from testing.serve import statehub_env

TARGET_S = 0.25
# main before issue 15 item 2: the command imported typer, rich, every command's module,
# the cadence history, PyYAML and SQLAlchemy's PostgreSQL dialect.
BEFORE = "65fe51763e3180af2d3005ebecf3c425a5b52f0a"
COMMAND = ("sweep", "--remote-all", "--no-fetch", "--json")
REPETITIONS, QUICK_REPETITIONS = 21, 5
TOP = 12


@dataclass(frozen=True)
class Contender:
    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]


def run(ctx: BenchContext) -> Section:
    section = Section("startup", "Start-up: `statehub sweep --remote-all --no-fetch --json`")
    home = ctx.home("startup-empty")
    env = statehub_env(home)
    python = sys.executable
    sweep = [python, "-m", "statehub", *COMMAND]
    # cwd decides which statehub ``python -m`` imports: the checkout's, or the worktree's.
    contenders = [
        Contender("python -c pass", [python, "-c", "pass"], REPO, env),
        Contender("git --version", ["git", "--version"], REPO, env),
        Contender("statehub sweep --json", sweep, REPO, env),
    ]
    before = _worktree(ctx)
    if before is not None:
        # A home of its own: the older code refuses a database newer migrations have touched.
        old_env = statehub_env(ctx.home("startup-empty-before"))
        contenders.append(Contender("before", sweep, before, old_env))
    for c in contenders:  # migrates each empty home once, and compiles every .pyc
        run_child(c.argv, env=c.env, cwd=c.cwd)
    cpu: dict[str, list[float]] = {}
    samples = interleaved(
        {c.name: _timed(c, cpu) for c in contenders},
        repetitions=QUICK_REPETITIONS if ctx.quick else REPETITIONS,
        warmup=[],
    )
    section.samples = samples.values | {f"CPU, {name}": used for name, used in cpu.items()}
    now, floor = samples.median("statehub sweep --json"), samples.median("python -c pass")
    cpu_now = median(cpu["statehub sweep --json"])
    section.rows = [
        Row(
            "`statehub sweep --remote-all --no-fetch --json`, empty fleet (start-up), wall",
            millis(now),
            f"python -c pass: {millis(floor)}; git --version: "
            f"{millis(samples.median('git --version'))}",
            times(now / floor),
            f"≤ {TARGET_S * 1000:.0f} ms",
            verdict(now <= TARGET_S),
        ),
        Row(
            "… its CPU time (user + system)",
            millis(cpu_now),
            f"python -c pass: {millis(median(cpu['python -c pass']))}",
            times(cpu_now / median(cpu["python -c pass"])),
        ),
    ]
    if before is not None:
        was, cpu_was = samples.median("before"), median(cpu["before"])
        section.rows.append(
            Row(
                "… the same command before the start-up work (issue 15 item 2): wall / CPU",
                f"{millis(was)} / {millis(cpu_was)}",
                f"now: {millis(now)} / {millis(cpu_now)}",
                f"now is {was / now:.2f}x / {cpu_was / cpu_now:.2f}x faster",
            )
        )
    section.notes += _importtime_notes(contenders)
    section.commands = [
        f"STATEHUB_HOME={home} python -m statehub {' '.join(COMMAND)}",
        f"STATEHUB_HOME={home} python -X importtime -m statehub {' '.join(COMMAND)}",
        *(
            [f"git worktree add {before} {BEFORE[:12]}   # the 'before' contender"]
            if before
            else []
        ),
    ]
    return section


def _timed(contender: Contender, cpu: dict[str, list[float]]) -> Callable[[], float]:
    def once() -> float:
        wall, used = _wall_and_cpu(contender)
        cpu.setdefault(contender.name, []).append(used)
        return wall

    return once


def _wall_and_cpu(contender: Contender) -> tuple[float, float]:
    """Wall time, and the CPU time (user + system) of the child and what it waited for.

    CPU time barely moves with load from elsewhere, where wall time on a busy 2-core
    machine can double: the two together say what is start-up and what is waiting.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        contender.argv,
        env=contender.env,
        cwd=contender.cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{contender.name} exited {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime


def _worktree(ctx: BenchContext) -> Path | None:
    """A checkout of ``BEFORE`` under the work dir, or None when this clone lacks it."""
    path = ctx.work / f"startup-before-{BEFORE[:12]}"
    if (path / "statehub").is_dir():
        return path
    known = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{BEFORE}^{{commit}}"], capture_output=True
    )
    if known.returncode != 0:
        return None
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), BEFORE],
        check=True,
        capture_output=True,
    )
    return path


def _importtime_notes(contenders: list[Contender]) -> list[str]:
    notes = []
    for c in contenders:
        if c.argv[1:3] != ["-m", "statehub"]:
            continue
        argv = [c.argv[0], "-X", "importtime", *c.argv[1:]]
        report = subprocess.run(argv, env=c.env, cwd=c.cwd, capture_output=True, text=True)
        by_package, total = import_self_times(report.stderr)
        rows = ", ".join(f"{name} {us / 1000:.0f}" for name, us in by_package.most_common(TOP))
        notes.append(
            f"`-X importtime`, {c.name}: {len(_modules(report.stderr))} modules, "
            f"{total / 1000:.0f} ms of imports (self time summed; importtime's own overhead "
            f"included). Heaviest, ms: {rows}."
        )
    return notes


def _modules(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("import time:")][1:]


def import_self_times(stderr: str) -> tuple[Counter[str], int]:
    """Each package's summed self time in µs (statehub, sqlstore and SQLAlchemy by
    subpackage, the rest by distribution), and the total."""
    by_package: Counter[str] = Counter()
    for line in _modules(stderr):
        self_us, _cumulative, name = line.removeprefix("import time:").split("|")
        parts = name.strip().split(".")
        depth = 2 if parts[0] in ("statehub", "sqlstore", "sqlalchemy") else 1
        by_package[".".join(parts[:depth])] += int(self_us)
    return by_package, sum(by_package.values())
