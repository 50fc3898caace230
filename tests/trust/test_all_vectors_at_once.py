"""One fix-mode sweep over a fleet holding every vector at once (and a remote that hangs):
it finishes within its budget, every repo is in exactly one list, no payload ran, and each
hostile repo is reported for what it is."""

from __future__ import annotations

import time
from dataclasses import replace

from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.engine import Sweeper
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder
from tests.trust import test_local_vectors as local
from tests.trust import test_remote_vectors as remote
from tests.trust.payloads import Payloads, register, set_config, sweep

BUDGET = 20


def test_a_fleet_of_every_vector_is_swept_within_its_budget(
    settings: Settings,
    store: Store,
    fleet_builder: FleetBuilder,
    payloads: Payloads,
    password_server_url: str,
) -> None:
    b = fleet_builder
    names: list[str] = []
    for name, vector in local.VECTORS.items():
        register(store, name, vector.build(b, payloads, name))
        names.append(name)
    for name, remote_vector in remote.VECTORS.items():
        register(store, name, remote_vector.build(b, payloads, name, password_server_url))
        names.append(name)
    options, _, _ = remote._option_named_remotes(b, payloads, "options")
    register(store, "options", options)
    elsewhere = b.behind("elsewhere")
    set_config(elsewhere, "core.worktree", str(b.root / "not-here"))
    register(store, "elsewhere", elsewhere)
    register(store, "hangs", b.hanging_remote("hangs"), trusted=True)
    register(store, "missing", b.missing("missing"))
    names += ["options", "elsewhere", "hangs", "missing"]
    sweeper = Sweeper(replace(settings, fetch_timeout=3, git_timeout=5), store)

    began = time.monotonic()
    result = sweep(sweeper, Mode.FIX, seconds=BUDGET)
    took = time.monotonic() - began

    assert took < BUDGET + 2, f"the sweep took {took:.1f}s"
    processed = {r.name: r for r in result.repos_processed}
    errors = {e.name: e.message for e in result.errors}
    placed = [*processed, *errors, *result.skipped_clean, *result.skipped_missing]
    assert sorted(placed + result.skipped_budget) == sorted(names)  # each exactly once
    assert result.skipped_budget == []
    assert payloads.fired() == []
    assert errors.keys() == {"elsewhere"}
    assert errors["elsewhere"].startswith("its work tree is elsewhere")
    assert result.skipped_missing == ["missing"]
    assert processed["hangs"].findings == ["fetch_timeout"]
    hostile = set(local.VECTORS) | set(remote.VECTORS) | {"options"}
    assert {n for n, r in processed.items() if "untrusted_config" in r.findings} == hostile
