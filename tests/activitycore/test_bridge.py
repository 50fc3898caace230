"""The bridge, end to end: State Hub in a network namespace of its own (the workstation),
activity-core's worker in this one (the cluster host), joined only by the SSH reverse tunnel
state-hub-bridge.service opens — its ExecStart as written, plus this test's key, port and
known_hosts. A scheduled sweep goes through it; a wrong token is refused.

Skipped, with the reason, where network namespaces are impossible (not root, no iproute2 or
OpenSSH, a container that forbids them). Only loopback and the test's own veth addresses are
ever contacted.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr

from activitycore.devserver import DevServer, free_port
from activitycore.schedules import sync_schedules
from activitycore.settings import Settings
from activitycore.store import Store
from activitycore.temporal import connect
from activitycore.trigger import trigger_run
from activitycore.worker import running_worker
from testing.processes import stop_process
from testing.waiting import until, wait_for
from tests.activitycore import bridge
from tests.activitycore.support import (
    REPO,
    SWEEP_ID,
    StateHubServer,
    load_and_sync_definitions,
    runs_of,
)
from tests.deploy.units import UNITS, exec_start, fake_home

pytestmark = pytest.mark.temporal
TOKEN = "bridge-token"


def _sweep_definition(directory: Path, *, trigger: str, enabled: bool) -> None:
    """The repo's sweep definition, firing every few seconds instead of every 15 minutes."""
    document: dict[str, Any] = yaml.safe_load(
        (REPO / "activities" / "state-hub-consistency-sweep.yaml").read_text()
    )
    document.update(trigger=trigger, enabled=enabled)
    document["action"]["http"]["json"] = {"max_seconds": 30}
    document["action"]["retry"] = {"maximum_attempts": 2, "initial_interval_seconds": 0.5}
    directory.mkdir(exist_ok=True)
    (directory / "sweep.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


@pytest.fixture
def no_bridge_reason() -> None:
    reason = bridge.why_not()
    if reason:
        pytest.skip(reason)


@pytest.mark.slow
def test_a_scheduled_sweep_crosses_the_bridge_and_a_wrong_token_does_not(
    no_bridge_reason: None,
    tmp_path: Path,
    make_settings: Any,
    temporal_server: DevServer,
    definitions_dir: Path,
) -> None:
    home = fake_home(tmp_path / "home")
    tunnel_port = free_port()
    hub = StateHubServer(tmp_path / "statehub", 8000, token=TOKEN)
    hub.prepare()  # `statehub demo`: a real fleet to sweep

    with (
        bridge.Namespace() as ns,
        bridge.Sshd(tmp_path / "ssh", ns.host_ip, free_port(), tunnel_port) as sshd,
    ):
        # The workstation: statehub.service's command, inside the namespace (its 8000 is free).
        with (tmp_path / "serve.log").open("wb") as log:  # the child writes to its own copy
            serve = subprocess.Popen(
                [*ns.prefix(), *exec_start(UNITS / "statehub.service", home)],
                env=hub.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        ssh_argv = exec_start(
            UNITS / "state-hub-bridge.service",
            home,
            {"BRIDGE_HOST": f"root@{ns.host_ip}", "BRIDGE_REMOTE_PORT": str(tunnel_port)},
        )
        with (tmp_path / "ssh.log").open("wb") as log:
            tunnel = subprocess.Popen(
                [*ns.prefix(), ssh_argv[0], *sshd.client_options(), *ssh_argv[1:]],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{tunnel_port}"
        try:

            def healthy() -> bool:
                for process, name in ((serve, "serve"), (tunnel, "ssh")):
                    if process.poll() is not None:
                        log = (tmp_path / f"{name}.log").read_text(errors="replace")
                        raise AssertionError(f"{name} exited: {log}\nsshd: {sshd.log()}")
                try:
                    return httpx.get(f"{url}/health", timeout=1).status_code == 200
                except httpx.TransportError:
                    return False

            wait_for(healthy, timeout=30, what="State Hub's /health through the tunnel")
            # The tunnel is the only way in: State Hub does not answer on the namespace's address.
            with pytest.raises(httpx.TransportError):
                httpx.get(f"http://{ns.ns_ip}:8000/health", timeout=2)

            settings = make_settings(
                temporal_address=temporal_server.address, state_hub_url=url, state_hub_token=TOKEN
            )
            _scheduled_sweep_through(url, settings, definitions_dir)
            _wrong_token_refused(url, settings, definitions_dir)
        finally:
            stop_process(tunnel)
            stop_process(serve)


def _scheduled_sweep_through(url: str, settings: Settings, definitions_dir: Path) -> None:
    _sweep_definition(definitions_dir, trigger="@every 3s", enabled=True)
    store = Store.open(settings.resolved_database_url)

    async def scenario() -> None:
        client = await connect(settings)
        load_and_sync_definitions(settings, store)
        await sync_schedules(client, store, settings)
        async with running_worker(client, store, settings):
            await until(
                lambda: [r for r in runs_of(store, SWEEP_ID) if r.status == "succeeded"],
                timeout=40,
                what="a scheduled sweep through the tunnel",
            )
        # Stop the schedule before the next test step: disabled pauses it.
        _sweep_definition(definitions_dir, trigger="@every 3s", enabled=False)
        load_and_sync_definitions(settings, store)
        await sync_schedules(client, store, settings)

    try:
        asyncio.run(scenario())
        [run, *_] = [r for r in runs_of(store, SWEEP_ID) if r.status == "succeeded"]
    finally:
        store.dispose()
    assert run.trigger == "schedule"
    result = run.context_snapshot["consistency_sweep_remote_all"]
    assert result["triggered_by"] == "activity-core" and result["caller_run_id"] == run.run_id
    # State Hub, on its side of the tunnel, recorded the same sweep.
    events = httpx.get(
        f"{url}/progress/",
        params={"event_type": "consistency_sweep_remote_all", "limit": 50},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    ).json()
    assert result["sweep_id"] in [e["sweep_id"] for e in events]


def _wrong_token_refused(url: str, settings: Settings, definitions_dir: Path) -> None:
    wrong = settings.model_copy(update={"state_hub_token": SecretStr("not-the-token")})
    store = Store.open(wrong.resolved_database_url)

    async def scenario() -> Any:
        client = await connect(wrong)
        async with running_worker(client, store, wrong):
            return await trigger_run(
                client, store, wrong, name_or_id=SWEEP_ID, identity="bridge-test", wait_seconds=30
            )

    try:
        triggered = asyncio.run(scenario())
    finally:
        store.dispose()
    assert triggered.row is not None and triggered.row.status == "failed"
    assert "401" in (triggered.row.error or ""), triggered.row.error
    assert triggered.row.attempts == 1  # a 401 is permanent: not retried
    # And straight through the tunnel, for the record.
    answer = httpx.post(
        f"{url}/consistency/sweep/remote-all",
        json={"max_seconds": 5},
        headers={"Authorization": "Bearer not-the-token"},
        timeout=10,
    )
    assert answer.status_code == 401
