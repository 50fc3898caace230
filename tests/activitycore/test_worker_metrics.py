"""The worker's Prometheus endpoint (ACTIVITY_CORE_METRICS_ADDRESS): the Temporal SDK's own
metrics and activitycore_runs_* on one address, following the activity_runs table."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from activitycore.cli import app
from activitycore.devserver import DevServer, free_port
from activitycore.errors import ConfigError
from activitycore.metrics import deltas, export_runs, metrics_runtime
from activitycore.schedules import sync_schedules
from activitycore.settings import Settings, load_settings
from activitycore.store import Store
from activitycore.store.runs import RunTotal
from activitycore.temporal import connect
from activitycore.worker import running_worker
from testing.metrics import samples, value
from testing.waiting import until
from tests.activitycore.support import (
    StateHubServer,
    load_and_sync_definitions,
    runs_of,
    write_definition,
)

PROBE_ID = "0b0c6a53-1d5e-4d8e-9a58-2f1f6c1d2e3f"
BROKEN_ID = "eeeeeeee-5555-4555-8555-555555555555"


def _total(definition: str, status: str, runs: int) -> RunTotal:
    return RunTotal(definition, status, runs, None)


def test_the_counters_grow_to_the_table_and_never_shrink() -> None:
    exported = {("sweep", "succeeded"): 5, ("sweep", "failed"): 2}
    totals = [
        _total("sweep", "succeeded", 7),  # two more
        _total("sweep", "failed", 1),  # runs deleted: the counter stays
        _total("probe", "skipped", 3),  # new
    ]

    assert deltas(exported, totals) == {("sweep", "succeeded"): 2, ("probe", "skipped"): 3}
    assert deltas({("probe", "skipped"): 3}, [_total("probe", "skipped", 3)]) == {}


@pytest.mark.parametrize(
    "address", ["localhost:9464", "9464", "127.0.0.1", "127.0.0.1:0", "::1:9464", "1.2.3.4:x"]
)
def test_a_bad_address_is_one_line_naming_the_variable(address: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(metrics_address=address)

    message = str(caught.value)
    assert "ACTIVITY_CORE_METRICS_ADDRESS" in message and "127.0.0.1:9464" in message
    assert "\n" not in message and "Value error" not in message


def test_the_worker_says_so_when_the_port_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        monkeypatch.setenv("ACTIVITY_CORE_HOME", str(tmp_path / "home"))
        monkeypatch.setenv("ACTIVITY_CORE_METRICS_ADDRESS", address)
        # The endpoint is bound before Temporal is dialled: no server is needed to fail here.
        result = CliRunner().invoke(app, ["worker"])

    assert result.exit_code == 1, result.output
    assert f"ACTIVITY_CORE_METRICS_ADDRESS={address}" in result.output
    assert "Address already in use" in result.output
    assert "Traceback" not in result.output


@pytest.mark.temporal
def test_the_worker_serves_the_sdks_metrics_and_the_runs(
    make_settings: Callable[..., Settings],
    temporal_server: DevServer,
    state_hub: StateHubServer,
    definitions_dir: Path,
) -> None:
    settings: Settings = make_settings(
        temporal_address=temporal_server.address,
        state_hub_url=state_hub.url,
        state_hub_token=state_hub.token,
        metrics_address=f"127.0.0.1:{free_port()}",
    )
    write_definition(definitions_dir, "probe.yaml", id=PROBE_ID, trigger="@every 2s")
    write_definition(
        definitions_dir,
        "broken.yaml",
        id=BROKEN_ID,
        name="Broken Probe",
        trigger="@every 2s",
        action={
            # State Hub answers 404: a permanent failure, at once.
            "http": {"method": "GET", "url": "${STATE_HUB_URL}/no-such-endpoint"},
            "context_key": "nothing",
            "timeout_seconds": 20,
        },
    )
    store = Store.open(settings.resolved_database_url)
    url = f"http://{settings.metrics_address}/metrics"

    def scraped_both() -> str | None:
        text = httpx.get(url, timeout=5).text
        ran = value(text, "activitycore_runs_total", **_labels("Health Probe", "succeeded"))
        failed = value(text, "activitycore_runs_total", **_labels("Broken Probe", "failed"))
        return text if ran and failed else None

    async def scenario() -> str:
        runtime = metrics_runtime(settings)
        assert runtime is not None
        client = await connect(settings, runtime=runtime)
        load_and_sync_definitions(settings, store)
        await sync_schedules(client, store, settings)
        stop = asyncio.Event()
        async with running_worker(client, store, settings):
            exporting = asyncio.create_task(export_runs(store, runtime.metric_meter, stop, 0.2))
            try:
                return await until(scraped_both, timeout=40, what="both runs in the metrics")
            finally:
                stop.set()
                await exporting

    try:
        text = asyncio.run(scenario())
        succeeded = [r for r in runs_of(store, PROBE_ID) if r.status == "succeeded"]
        failed = [r for r in runs_of(store, BROKEN_ID) if r.status == "failed"]
    finally:
        store.dispose()

    runs = value(text, "activitycore_runs_total", **_labels("Health Probe", "succeeded"))
    # The scrape came first; the schedule may have run more since, never fewer.
    assert runs is not None and 1 <= runs <= len(succeeded)
    broken = value(text, "activitycore_runs_total", **_labels("Broken Probe", "failed"))
    assert broken is not None and 1 <= broken <= len(failed)
    last = value(
        text,
        "activitycore_run_last_success_timestamp_seconds",
        definition="Health Probe",
        service_name="temporal-core-sdk",
    )
    assert last is not None
    finishes = {r.finished_at.timestamp() for r in succeeded if r.finished_at is not None}
    assert any(abs(last - finished) < 0.001 for finished in finishes)
    assert datetime.fromtimestamp(last, UTC) <= datetime.now(UTC)
    # The SDK's own families share the endpoint (worker slots, polls, requests…).
    assert any(name.startswith("temporal_") for name, _ in samples(text))
    # Never a run id: the labels are the definition and the status.
    assert all(r.run_id not in text for r in succeeded + failed)


def _labels(definition: str, status: str) -> dict[str, str]:
    # The SDK adds service_name to every series it exports.
    return {"definition": definition, "status": status, "service_name": "temporal-core-sdk"}
