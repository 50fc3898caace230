"""How the HTTP action treats failures: 5xx is retried with backoff, 4xx is not."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import SecretStr

from activitycore.settings import Settings
from activitycore.store import Store
from activitycore.temporal import connect
from activitycore.trigger import trigger_run
from activitycore.worker import running_worker
from tests.activitycore.standin import stand_in
from tests.activitycore.support import REPO, SWEEP_ID, load_and_sync_definitions, write_definition

pytestmark = pytest.mark.temporal
FLAKY_ID = "12121212-7777-4777-8777-777777777777"


def trigger(settings: Settings, store: Store, name_or_id: str):  # type: ignore[no-untyped-def]
    async def scenario():  # type: ignore[no-untyped-def]
        client = await connect(settings)
        async with running_worker(client, store, settings):
            return await trigger_run(
                client, store, settings, name_or_id=name_or_id, identity="t", wait_seconds=30
            )

    return asyncio.run(scenario())


def test_a_5xx_is_retried_until_it_succeeds(
    temporal_settings: Settings, store: Store, definitions_dir: Path
) -> None:
    """Stand-in peer: the real State Hub cannot be told to answer 503 once, then 200."""
    with stand_in(failures_before_success=1) as peer:
        write_definition(
            definitions_dir,
            id=FLAKY_ID,
            name="Flaky",
            action={
                "http": {"method": "POST", "url": f"{peer.url}/flaky", "json": {"x": 1}},
                "context_key": "flaky",
                "retry": {"maximum_attempts": 3, "initial_interval_seconds": 0.2},
            },
        )
        load_and_sync_definitions(temporal_settings, store)
        result = trigger(temporal_settings, store, "Flaky")
    assert result.row is not None
    assert (result.row.status, result.row.attempts) == ("succeeded", 2)
    assert result.row.context_snapshot["flaky"]["posts"] == 2
    # A JSON object body gains the run context; the definition's own keys stay.
    assert peer.posts[-1] == {
        "triggered_by": "activity-core",
        "caller_run_id": result.run_id,
        "x": 1,
    }


def test_a_4xx_fails_at_once(temporal_settings: Settings, store: Store) -> None:
    """The real State Hub answers 401 to a wrong token: permanent, so one attempt only."""
    settings = temporal_settings.model_copy(
        update={
            "definition_dirs": str(REPO / "activities"),
            "state_hub_token": SecretStr("wrong-token"),
        }
    )
    load_and_sync_definitions(settings, store)
    result = trigger(settings, store, SWEEP_ID)
    assert result.row is not None
    assert (result.row.status, result.row.attempts) == ("failed", 1)
    assert "HTTP 401" in (result.row.error or ""), result.row.error
    assert result.row.context_snapshot is None
