"""A configuration problem never stops a sweep (SQLite and PostgreSQL, real repos): a YAML
typo, a ``discover:`` root that is gone (an unmounted disk), a name given twice — the sweep
runs over the registry it has, says what is wrong in ``health_reasons`` and is recorded; the
API answers 200, never 500. What the file no longer names is unregistered; what was added
by hand is not."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from statehub.registry import add
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import list_events
from statehub.store.repos import list_repos
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import EVENT_TYPE, SweepResult
from testing.fleet import FleetBuilder


@pytest.fixture
def config(settings: Settings) -> Path:
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings.home / "config.yaml"


def _sweep(settings: Settings, store: Store) -> SweepResult:
    return Sweeper(settings, store).run(SweepRequest(max_seconds=60))


def _registered(store: Store) -> dict[str, str]:
    with store.reading() as db:
        return {r.name: r.source for r in list_repos(db)}


def test_a_yaml_error_degrades_the_sweep_over_the_registry_it_has(
    client: httpx.Client, config: Path, store: Store, fleet_builder: FleetBuilder
) -> None:
    config.write_text(f"repos:\n  - path: {fleet_builder.clean('kept')}\n")
    first = client.post("/consistency/sweep/remote-all", json={"max_seconds": 60}).json()
    assert first["health"] == "ok" and first["skipped_clean"] == ["kept"]

    config.write_text("repos:\n  - path: /x\n\tname: tab\n")  # a tab: not YAML
    answer = client.post("/consistency/sweep/remote-all", json={"max_seconds": 60})

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["skipped_clean"] == ["kept"]  # the registry it had, swept
    assert result["health"] == "degraded"
    [reason] = result["health_reasons"]
    assert str(config) in reason and "line 3" in reason and "not valid YAML" in reason
    with store.reading() as db:
        recorded = [e.sweep_id for e in list_events(db, event_type=EVENT_TYPE)]
    assert recorded == [result["sweep_id"], first["sweep_id"]]


def test_repos_under_a_vanished_discover_root_are_missing_not_dropped(
    tmp_path: Path, config: Path, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    fleet_builder.clean("one").rename(disk / "one")
    fleet_builder.dirty("two").rename(disk / "two")
    config.write_text(f"discover:\n  - {disk}\n")
    assert sorted(_sweep(settings, store).skipped_clean) == ["one"]

    disk.rename(tmp_path / "unmounted")  # the disk goes away
    result = _sweep(settings, store)

    assert sorted(result.skipped_missing) == ["one", "two"]
    assert result.repos_total == 2 and result.exit_code == 0
    assert result.health == "degraded"
    assert result.health_reasons == [
        f"{config}: discover root {disk} does not exist (is its disk mounted?); "
        "its repos were kept as they were"
    ]
    assert sorted(_registered(store)) == ["one", "two"]


def test_a_name_given_twice_is_a_reported_problem_never_a_silent_drop(
    config: Path, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    first, second = fleet_builder.clean("first"), fleet_builder.clean("second")
    config.write_text(
        f"repos:\n  - path: {first}\n    name: api\n  - path: {second}\n    name: api\n"
    )

    result = _sweep(settings, store)

    assert result.skipped_clean == ["api"]
    assert result.health == "degraded"
    assert result.health_reasons == [
        f"{config}, line 4, field 'repos.1.path': name 'api' is also given to repos[0]; "
        f"{second} was not registered — give each entry its own name"
    ]
    with store.reading() as db:
        assert [(r.name, r.path) for r in list_repos(db)] == [("api", str(first))]


def test_a_config_name_taken_by_a_hand_added_repo_does_not_move_it(
    config: Path, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    mine, theirs = fleet_builder.clean("mine"), fleet_builder.clean("theirs")
    with store.session() as db:
        add(db, path=mine, name="api")
    config.write_text(f"repos:\n  - path: {theirs}\n    name: api\n")

    result = _sweep(settings, store)

    assert result.health == "degraded"
    assert "name 'api' is already registered for" in result.health_reasons[0]
    with store.reading() as db:
        assert [(r.name, r.path, r.source) for r in list_repos(db)] == [("api", str(mine), "cli")]


def test_a_repo_removed_from_the_file_is_unregistered_one_added_by_hand_is_not(
    config: Path, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    stays, goes, by_hand = (fleet_builder.clean(n) for n in ("stays", "goes", "by-hand"))
    with store.session() as db:
        add(db, path=by_hand)
    config.write_text(f"repos:\n  - path: {stays}\n  - path: {goes}\n")
    assert _registered(store) == {"by-hand": "cli"}
    _sweep(settings, store)
    assert _registered(store) == {"by-hand": "cli", "goes": "config", "stays": "config"}

    config.write_text(f"repos:\n  - path: {stays}\n")
    result = _sweep(settings, store)

    assert result.health == "ok" and sorted(result.skipped_clean) == ["by-hand", "stays"]
    assert _registered(store) == {"by-hand": "cli", "stays": "config"}


def test_a_path_registered_by_hand_under_another_name_is_reported_and_the_rest_synced(
    config: Path, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    mine, other = fleet_builder.clean("mine"), fleet_builder.clean("other")
    with store.session() as db:
        add(db, path=mine, name="by-hand")
    config.write_text(f"repos:\n  - path: {mine}\n    name: api\n  - path: {other}\n")

    result = _sweep(settings, store)

    assert result.health == "degraded"
    assert result.health_reasons == [
        f"{config}, line 2, field 'repos.0.path': path {str(mine)!r} is already registered "
        "as repo 'by-hand'; give the entry the registered name or remove it"
    ]
    assert _registered(store) == {"by-hand": "cli", "other": "config"}
