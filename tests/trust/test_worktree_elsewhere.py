"""A repo whose ``core.worktree`` points outside the registered work tree is an error in
every mode, and nothing is touched: not the other tree, not the repo's refs."""

from __future__ import annotations

from pathlib import Path

import pytest

from statehub.store import Store
from statehub.sweep.engine import Sweeper
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder
from tests.trust.payloads import Payloads, git, register, set_config, sweep


def _snapshot(tree: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(tree)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(tree.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("mode", "fetch"), [(Mode.WARN, True), (Mode.WARN, False), (Mode.FIX, True)]
)
def test_a_work_tree_elsewhere_is_an_error_and_nothing_is_touched(
    mode: Mode,
    fetch: bool,
    tmp_path: Path,
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
) -> None:
    repo = fleet_builder.behind("pointed")
    other = tmp_path / "someone-elses-tree"
    other.mkdir()
    (other / "README.md").write_text("theirs, not the repo's\n")
    (other / ".gitattributes").write_text("* filter=evil\n")
    set_config(repo, "filter.evil.clean", str(payloads.script("clean", "exec cat")))
    set_config(repo, "core.worktree", str(other))
    register(store, "pointed", repo)
    before, refs = _snapshot(other), git(repo, "for-each-ref")

    result = sweep(sweeper, mode, fetch=fetch)

    [error] = result.errors
    assert error.name == "pointed"
    assert error.message == f"its work tree is elsewhere: core.worktree is {other}"
    assert result.repos_processed == [] and result.skipped_clean == []
    assert _snapshot(other) == before
    assert git(repo, "for-each-ref") == refs  # not even fetched
    assert payloads.fired() == []


def test_a_core_worktree_naming_the_registered_tree_is_fine(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    repo = fleet_builder.clean("self")
    set_config(repo, "core.worktree", "..")  # relative to the git dir: the tree itself
    register(store, "self", repo)

    result = sweep(sweeper, Mode.FIX)

    assert result.errors == [] and result.skipped_clean == ["self"]
