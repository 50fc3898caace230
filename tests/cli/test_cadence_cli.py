"""``statehub cadence``: the verdict as operators read it, and --check for scripts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from statehub.store import Store
from testing.history import parallel_week
from tests.cli.conftest import RunCli


@pytest.fixture
def cli_store(cli_env: dict[str, str]) -> Store:
    store = Store.open(cli_env["STATEHUB_DATABASE_URL"])
    yield store
    store.dispose()


@pytest.mark.slow
def test_a_parallel_week_says_the_timer_can_go(cli_store: Store, run_cli: RunCli) -> None:
    parallel_week(cli_store, now=datetime.now(UTC))

    out = run_cli("cadence", "--since", "7d", "--check")

    assert out.returncode == 0, out.stderr
    assert "custodian-sync.timer can be disabled" in out.stdout
    assert "local-timer" in out.stdout and "activity-core" in out.stdout
    as_json = json.loads(run_cli("cadence", "--json").stdout)
    assert as_json["can_disable_timer"] is True
    assert len(as_json["slots"]) == as_json["slots_expected"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_missed_slots_keep_the_timer(cli_store: Store, run_cli: RunCli) -> None:
    parallel_week(cli_store, now=datetime.now(UTC), days=1, skip_activity_core=[3, 4])

    plain = run_cli("cadence", "--since", "1d")
    checked = run_cli("cadence", "--since", "1d", "--check")

    assert plain.returncode == 0, plain.stderr
    assert checked.returncode == 4
    assert "verdict: keep custodian-sync.timer" in plain.stdout
    assert "did not attend 2 of" in plain.stdout
    assert "longest gap without activity-core: 2 slot(s)" in plain.stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "a week"], "--since: 'a week' is not a duration"),
        (["--since", "60d"], "between 1s and 31d"),
        (["--tolerance", "20m"], "tolerance must be in"),
        (["--every", "400000w"], "must not be longer than the window"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_cli: RunCli, args: list[str], message: str) -> None:
    out = run_cli("cadence", *args)
    assert out.returncode == 2
    assert message in " ".join(out.stderr.split())
