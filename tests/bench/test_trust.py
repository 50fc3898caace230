"""The trust section in miniature: both of its sides sweep for real, and the side without the
hardening is exactly that (a repo whose config names a program is flagged by one, not the other).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bench import trust
from bench.context import REPO, BenchContext, Sizes
from bench.fleet import FleetRepo
from bench.home import prepare_home
from bench.measure import run_child
from testing.serve import statehub_env


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _clean_clone(root: Path) -> Path:
    """A clone in sync with its origin: a sweep without fetching finds nothing in it."""
    origin, work = root / "origin.git", root / "work"
    _git("init", "-q", "--bare", "-b", "main", str(origin), cwd=root)
    _git("clone", "-q", str(origin), str(work), cwd=root)
    _git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "seed",
        cwd=work,
    )
    _git("push", "-q", "origin", "main", cwd=work)
    return work


def _sweep(child: str, home: Path) -> dict[str, int]:
    env = {**statehub_env(home), "PYTHONPATH": str(REPO)}
    run = run_child([sys.executable, "-m", child], env=env, cwd=REPO)
    counts = json.loads(run.stdout)["counts"]
    assert isinstance(counts, dict)
    return counts


def test_only_the_shipped_side_flags_a_repo_whose_config_names_a_program(
    tmp_path: Path,
) -> None:
    repo = _clean_clone(tmp_path)
    _git("config", "core.pager", "touch pager-ran", cwd=repo)  # a program the repo names
    found = {}
    for side, child in trust.CHILDREN.items():
        home = tmp_path / f"home-{side}"
        prepare_home(home, [FleetRepo(0, "repo", repo, "clean")]).dispose()
        found[side] = _sweep(child, home)

    # untrusted_config is the only finding, so the repo needs action only where it is made.
    assert found["with"]["repos_processed"] == 1 and found["with"]["skipped_clean"] == 0
    assert found["without"]["repos_processed"] == 0 and found["without"]["skipped_clean"] == 1


@pytest.mark.slow  # builds a fleet and sweeps it with both children: the harness, not a rule
def test_the_section_sweeps_both_sides_over_one_fleet(tmp_path: Path) -> None:
    sizes = Sizes.quick().scaled(local_repos=20, large_files=60, repetitions=1)
    ctx = BenchContext(replace(sizes, warmup=False), tmp_path, quick=True)

    section = trust.run(ctx)

    pairs, parts, wall, cpu = section.rows
    assert pairs.verdict in ("met", "**missed**") and pairs.target.startswith("≤ 1.03x")
    assert "20 pairs" in pairs.measurement and "(95 %: " in pairs.ratio
    assert parts.figure.startswith("+") and parts.figure.endswith(" µs")
    # The whole sweeps are shown for what they are, with no verdict of their own.
    assert wall.verdict == cpu.verdict == "" and "pairs " in wall.ratio
    assert set(section.samples) == set(trust.CHILDREN)
    counts = section.notes[-1].partition("alike: ")[2]
    per_repo, whole = counts.removeprefix("per repo, ").split("; whole sweeps, ")
    with_, without = per_repo.split("; without ")
    assert with_ == "with " + without and "error" not in without
    assert whole.partition("; without ")[0] == "with " + whole.partition("; without ")[2][:-1]
    assert "errors 0" in whole


def test_back_to_back_checks_each_repo_on_both_sides(tmp_path: Path) -> None:
    """The held figure's child: one real check per side per repo and pass, and a repo whose
    config names a program is flagged by the shipped side only."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    flagged, plain = _clean_clone(tmp_path / "a"), _clean_clone(tmp_path / "b")
    _git("config", "core.pager", "touch pager-ran", cwd=flagged)
    home = tmp_path / "home"
    repos = [FleetRepo(0, "a", flagged, "clean"), FleetRepo(1, "b", plain, "clean")]
    prepare_home(home, repos).dispose()
    env = {**statehub_env(home), "PYTHONPATH": str(REPO)}

    pairs = trust.back_to_back(env, [flagged, plain], passes=2)

    assert (pairs.count, pairs.passes) == (4, 2)
    assert pairs.verdicts == {"with": {"needs_action": 1, "clean": 1}, "without": {"clean": 2}}
    assert pairs.per_repo("with") > 0 and pairs.per_repo("without") > 0
    assert pairs.low <= pairs.ratio <= pairs.high
    assert not (flagged / "pager-ran").exists()
