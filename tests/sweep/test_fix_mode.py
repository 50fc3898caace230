"""Fix mode: fast-forward what is only behind, push what is only ahead if allowed, nothing else."""

from __future__ import annotations

import subprocess
from pathlib import Path

from statehub.store import Store
from statehub.store.repos import add_repo
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder


def _head(path: Path, ref: str = "HEAD") -> str:
    return subprocess.run(
        ["git", "rev-parse", ref], cwd=path, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_it_fast_forwards_a_clean_branch_that_is_only_behind(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    path = fleet_builder.behind("behind")
    with store.session() as db:
        add_repo(db, name="behind", path=str(path))

    result = sweeper.run(SweepRequest(max_seconds=60, mode=Mode.FIX))

    [report] = result.repos_processed
    assert report.findings == [] and report.resolved == ["behind"]
    assert report.actions == ["fast-forwarded main"]
    assert _head(path) == _head(path, "@{upstream}")
    assert result.exit_code == 0


def test_it_pushes_an_ahead_branch_only_where_the_policy_allows(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    allowed, denied = fleet_builder.ahead("allowed"), fleet_builder.ahead("denied")
    with store.session() as db:
        add_repo(db, name="allowed", path=str(allowed), allow_push=True)
        add_repo(db, name="denied", path=str(denied))

    result = sweeper.run(SweepRequest(max_seconds=60, mode=Mode.FIX))

    by_name = {r.name: r for r in result.repos_processed}
    assert by_name["allowed"].actions == ["pushed main"] and by_name["allowed"].findings == []
    assert by_name["denied"].actions == [] and by_name["denied"].findings == ["ahead"]
    assert _head(allowed) == _head(allowed, "@{upstream}")
    assert result.exit_code == 1  # "denied" is still ahead


def test_it_never_touches_a_dirty_or_diverged_repo(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    dirty, diverged = fleet_builder.dirty("dirty"), fleet_builder.diverged("diverged")
    with store.session() as db:
        add_repo(db, name="dirty", path=str(dirty), allow_push=True)
        add_repo(db, name="diverged", path=str(diverged), allow_push=True)
    heads = {p: _head(p) for p in (dirty, diverged)}

    result = sweeper.run(SweepRequest(max_seconds=60, mode=Mode.FIX))

    assert all(r.actions == [] for r in result.repos_processed)
    assert {p: _head(p) for p in (dirty, diverged)} == heads
    assert result.exit_code == 1
