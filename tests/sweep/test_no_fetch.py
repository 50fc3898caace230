"""``--no-fetch`` makes no network access: not even git's lazy fetch of a partial clone's
missing objects, where git can be told not to."""

from __future__ import annotations

import os
import shutil

from statehub.store import Store
from statehub.store.repos import add_repo
from statehub.sweep.engine import Sweeper, sweep_git_environment
from statehub.sweep.request import SweepRequest
from testing.fleet import FleetBuilder
from tests.repostates import missing_objects, partial_clone_with_a_staged_rename, remote_of


def test_a_no_fetch_sweep_of_a_partial_clone_fetches_no_missing_blob(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    clone, blob = partial_clone_with_a_staged_rename(fleet_builder, "partial")
    assert blob in missing_objects(fleet_builder, clone)
    with store.session() as db:
        add_repo(db, name="partial", path=str(clone))

    result = sweeper.run(SweepRequest(max_seconds=30, fetch=False))

    [report] = result.repos_processed
    assert report.findings == ["staged"]
    # The file:// remote was there all along: a lazy fetch would have brought the blob in.
    assert blob in missing_objects(fleet_builder, clone)


def test_a_partial_clone_whose_remote_is_gone_is_still_inspected(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    clone, _ = partial_clone_with_a_staged_rename(fleet_builder, "partial")
    shutil.rmtree(remote_of(fleet_builder, "partial-seed"))
    with store.session() as db:
        add_repo(db, name="partial", path=str(clone))

    result = sweeper.run(SweepRequest(max_seconds=30, fetch=False))

    assert result.errors == []
    assert [r.findings for r in result.repos_processed] == [["staged"]]
    assert result.duration_seconds < 10


def test_a_no_fetch_sweep_tells_git_not_to_fetch_missing_objects() -> None:
    # Honoured by git >= 2.44 for every lazy fetch; this machine's 2.39 ignores it, so the
    # variable itself is what can be checked here (docs/security.md states the limit).
    assert sweep_git_environment(fetch=False)["GIT_NO_LAZY_FETCH"] == "1"
    assert sweep_git_environment(fetch=True).get("GIT_NO_LAZY_FETCH") == os.environ.get(
        "GIT_NO_LAZY_FETCH"
    )
