"""The benchmark harness, in miniature, so it cannot rot between `make bench` runs: the fleet
generator builds what it claims, and the local comparison runs end to end and renders.

Small numbers only (the quick mode's smallest pieces); `make bench` does the measuring.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from bench import bigrepo, local, scale, spawn_models
from bench.contenders import git_env
from bench.context import BenchContext, Sizes
from bench.fleet import LARGE, MISSING, MIX, BenchFleet, FleetSpec, Templates, check_fleet
from bench.home import prepare_home
from bench.report import render
from statehub.git.inspect import fetch_all
from statehub.settings import Settings
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest

# What a sweep without fetching reports for each state the generator builds.
EXPECTED_FINDINGS = {
    "clean": set(),
    LARGE: set(),
    "behind": set(),  # behind only once fetched
    "dirty": {"dirty"},
    "untracked": {"untracked"},
    "ahead": {"ahead"},
    "staged": {"staged"},
    "diverged": {"ahead"},  # diverged once fetched
    "no_upstream": {"no_upstream"},
    "stash": {"stash"},
    "detached": {"detached"},
    "upstream_gone": {"no_upstream"},
    "ahead_on_other_branch": {"ahead"},
    "merge_in_progress": {"operation_in_progress"},
}


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> BenchContext:
    sizes = Sizes.quick().scaled(local_repos=100, large_files=60, repetitions=1, latency_ms=50)
    return BenchContext(replace(sizes, warmup=False), tmp_path_factory.mktemp("bench"), True)


def test_it_mixes_states_as_documented() -> None:
    fleet = BenchFleet(Path("/nowhere"), FleetSpec(), Templates(Path("/nowhere"), 20_000))
    states = Counter(e.state for e in fleet.entries(200))

    assert states[LARGE] == 1
    assert states[MISSING] == 1
    for state, per_hundred in MIX:
        assert states[state] in (2 * per_hundred, 2 * per_hundred - 1, 2 * per_hundred - 2)
    assert sum(states.values()) == 200


def test_a_generated_fleet_sweeps_as_its_states_say(ctx: BenchContext, tmp_path: Path) -> None:
    fleet = ctx.local_fleet()
    # Repo 199 is the first of the missing ones: registered, never built.
    entries = [*fleet.ensure(ctx.sizes.local_repos), fleet.entries(200)[199]]
    check_fleet(entries)
    store = prepare_home(tmp_path / "home", entries)
    try:
        settings = Settings(home=tmp_path / "home")
        result = Sweeper(settings, store).run(SweepRequest(fetch=False))
    finally:
        store.dispose()

    findings = {r.name: set(r.findings) for r in result.repos_processed}
    assert not result.errors and not result.skipped_budget
    for entry in entries:
        if entry.state == MISSING:
            assert entry.name in result.skipped_missing
        else:
            assert findings.get(entry.name, set()) == EXPECTED_FINDINGS[entry.state], entry


def test_remotes_answer_after_the_latency_and_behind_repos_fetch(ctx: BenchContext) -> None:
    entries = ctx.remote_fleet().ensure(30)
    behind = next(e for e in entries if e.state == "behind")

    started = time.monotonic()
    outcome = fetch_all(behind.path, timeout=30)

    assert outcome.ok, outcome.message
    assert time.monotonic() - started >= ctx.sizes.latency_ms / 1000


def test_the_local_comparison_runs_and_renders(ctx: BenchContext) -> None:
    small = BenchContext(ctx.sizes.scaled(local_repos=40), ctx.work, quick=True)
    needing_action = [e for e in small.local_fleet().entries(40) if EXPECTED_FINDINGS.get(e.state)]

    section = local.run(small, gita=None)

    assert section.rows and all(len(v) == 1 for v in section.samples.values())
    assert f"repos_processed {len(needing_action)}," in section.notes[0]
    page = render(title="t", intro=[], machine=[("m", "1")], sections=[section])
    assert "| local sweep, 40 repos" in page
    # Each target against its own baseline: the engine against status alone, the CLI
    # against the two commands.
    targets = {row.measurement.split(",")[0]: row for row in section.rows if row.target}
    assert "status alone" in targets["local sweep"].baseline
    assert (
        "status + for-each-ref"
        in targets["`statehub sweep --remote-all --no-fetch --json`"].baseline
    )
    assert all(row.verdict in ("met", "**missed**") for row in targets.values())


def test_the_scale_section_reports_growth_per_repo(ctx: BenchContext) -> None:
    small = BenchContext(ctx.sizes.scaled(local_repos=20, scale_repos=40), ctx.work, quick=True)

    section = scale.run(small)

    names = [row.measurement for row in section.rows]
    assert names[0].startswith("local sweep, 40 repos: wall time")
    assert any(n.startswith("wall time per repo, 20 → 40") for n in names)
    assert any(n.startswith("peak RSS per repo above an empty fleet's") for n in names)
    assert all(row.verdict for row in section.rows)
    # The empty fleet's sweep is the RSS floor the per-repo figure stands on.
    # The sweep's own peak (VmHWM): wait4's ru_maxrss carries the spawning process's RSS
    # over exec, and would make every fleet's peak the bench's.
    assert section.samples["peak RSS MB, 0 repos"][0] > 0


@pytest.mark.parametrize("model", list(spawn_models.MODELS))
def test_every_spawn_model_runs_both_commands_in_every_repo(
    ctx: BenchContext, tmp_path: Path, model: str
) -> None:
    paths = [str(e.path) for e in ctx.local_fleet().ensure(20) if e.path.exists()]
    trace = tmp_path / "trace"
    # git appends one "built-in: git <command>" line per command it runs.
    env = {**git_env(), "GIT_TRACE": str(trace)}

    spawn_models.MODELS[model](paths, env, 4)

    lines = trace.read_text().splitlines()
    for command in ("status", "for-each-ref"):
        ran = [line for line in lines if f"built-in: git {command} " in line]
        assert len(ran) == len(paths), (command, len(ran))


def test_the_big_repo_section_measures_three_states_and_the_user_git(ctx: BenchContext) -> None:
    section = bigrepo.run(ctx)

    names = [row.measurement for row in section.rows]
    assert names[:3] == [
        "sweep's status call, idle",
        "sweep's status call, touched",
        "sweep's status call, untracked cache",
    ]
    assert all(len(v) == bigrepo.REPETITIONS_QUICK for v in section.samples.values())
    root = ctx.work / "bigrepo"
    # The states are what their names say: the cache is in the index (extension UNTR), and
    # the sweep's read-only status left the touched copy's index as stale as it found it.
    assert b"UNTR" in (root / "untracked-cache" / ".git" / "index").read_bytes()
    assert b"UNTR" not in (root / "idle" / ".git" / "index").read_bytes()
    stale = subprocess.run(
        ["git", "diff-files", "--quiet"], cwd=root / "touched", check=False
    ).returncode
    assert stale == 1, "the touched copy's index should still see every file as changed"
