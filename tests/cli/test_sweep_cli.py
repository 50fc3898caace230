"""``statehub sweep`` and ``scripts/consistency_check.py`` as the timer runs them."""

from __future__ import annotations

import json

import pytest

from testing.fleet import FleetBuilder
from tests.cli.conftest import RunCli


@pytest.mark.slow
def test_json_output_is_the_result_document_alone(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    run_cli("repos", "add", str(fleet_builder.dirty("dirty")))
    run_cli("repos", "add", str(fleet_builder.clean("clean")))

    out = run_cli("sweep", "--remote-all", "--json", "--triggered-by", "local-timer")

    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["event_type"] == "consistency_sweep_remote_all"
    assert doc["triggered_by"] == "local-timer"
    assert [r["name"] for r in doc["repos_processed"]] == ["dirty"]
    assert doc["skipped_clean"] == ["clean"]


def test_the_runbook_script_behaves_like_the_cli(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    run_cli("repos", "add", str(fleet_builder.ahead("ahead")))

    out = run_cli("--remote-all", "--json", "--mode", "fix", "--max-seconds", "60", script=True)

    doc = json.loads(out.stdout)
    assert doc["mode"] == "fix" and doc["max_seconds"] == 60
    assert out.returncode == doc["exit_code"] == 1  # still ahead: pushing is off by default


def test_no_fetch_inspects_without_fetching(fleet_builder: FleetBuilder, run_cli: RunCli) -> None:
    run_cli("repos", "add", str(fleet_builder.behind("behind")))

    doc = json.loads(run_cli("sweep", "--remote-all", "--json", "--no-fetch").stdout)

    assert doc["fetch"] is False and doc["skipped_clean"] == ["behind"]


@pytest.mark.slow
def test_a_human_gets_a_summary_and_progress_reads_the_event(
    fleet_builder: FleetBuilder, run_cli: RunCli
) -> None:
    run_cli("repos", "add", str(fleet_builder.stash("stashed")))

    human = run_cli("sweep", "--remote-all")
    events = run_cli(
        "progress", "--event-type", "consistency_sweep_remote_all", "--limit", "5", "--json"
    )

    assert "stashed" in human.stdout and "1 need action" in human.stdout
    [event] = json.loads(events.stdout)
    assert event["payload"]["repos_processed"][0]["findings"] == ["stash"]
