"""The CLI: a sweep whose channel hangs is recorded, printed and exits as before, the attempt
recorded failed; ``statehub notifications`` shows it; a bad Apprise URL is one clear line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from statehub.store.deliveries import retry_delay
from testing.fleet import FleetBuilder
from testing.receiver import Receiver
from tests.cli.conftest import RunCli

TIMEOUT = 2


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


@pytest.mark.slow
def test_a_hanging_channel_never_delays_the_recording_or_the_exit_status(
    fleet_builder: FleetBuilder, run_cli: RunCli, hook: Receiver
) -> None:
    env = {"STATEHUB_NOTIFY": hook.apprise_url("alerts"), "STATEHUB_NOTIFY_TIMEOUT": str(TIMEOUT)}
    assert run_cli("repos", "add", str(fleet_builder.behind("api")), **env).returncode == 0
    first = run_cli("sweep", "--remote-all", "--json", **env)
    assert first.returncode == 0, first.stderr
    hook.mode = "hang"

    second = run_cli("sweep", "--remote-all", "--json", **env)

    assert second.returncode == 0, second.stderr
    result = json.loads(second.stdout)  # printed whole, before any channel was waited on
    assert [r["findings"] for r in result["repos_processed"]] == [["behind"]]
    [notification] = json.loads(run_cli("notifications", "--json").stdout)
    assert notification["status"] == "failed" and notification["attempts"] == 1
    assert notification["sweep_id"] == result["sweep_id"]
    assert notification["last_error"]
    assert hook.attempts == 1 and hook.bodies == []
    # The attempt began after the sweep was recorded: the event predates it, and the sweep's
    # own duration holds none of the channel's timeout.
    [event] = json.loads(run_cli("progress", "--json", "--limit", "1").stdout)
    attempted = datetime.fromisoformat(notification["next_attempt_at"]) - retry_delay(1)
    assert datetime.fromisoformat(event["created_at"]) <= attempted
    assert result["duration_seconds"] < TIMEOUT


@pytest.mark.slow
def test_notifications_lists_what_was_sent_with_the_channel_redacted(
    fleet_builder: FleetBuilder, run_cli: RunCli, hook: Receiver
) -> None:
    secret_url = f"json://user:s3cret@127.0.0.1:{hook.port}/alerts"
    env = {"STATEHUB_NOTIFY": secret_url}
    run_cli("repos", "add", str(fleet_builder.dirty("api")), **env)
    for _ in range(2):
        assert run_cli("sweep", "--remote-all", "--no-fetch", **env).returncode == 0

    assert hook.titles() == ["api needs action: dirty"]
    table = run_cli("notifications")
    assert table.returncode == 0
    assert "api needs action: dirty" in table.stdout and "delivered" in table.stdout
    listed = json.loads(run_cli("notifications", "--json", "--limit", "5").stdout)
    assert [n["channel"] for n in listed] == [f"json://user:****@127.0.0.1:{hook.port}/alerts"]
    assert "s3cret" not in table.stdout + json.dumps(listed)


def test_a_bad_apprise_url_in_the_variable_is_one_line_naming_it_redacted(
    run_cli: RunCli,
) -> None:
    out = run_cli(
        "sweep", "--remote-all", STATEHUB_NOTIFY="nosuch://me:hunter2@hooks.example/t0k3n"
    )

    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert "STATEHUB_NOTIFY" in out.stderr and "nosuch://hooks.example/…" in out.stderr
    assert "hunter2" not in out.stderr and "t0k3n" not in out.stderr


def test_a_bad_apprise_url_in_the_config_file_names_file_and_line(
    tmp_path: Path, run_cli: RunCli
) -> None:
    config = tmp_path / "fleet.yaml"
    config.write_text("notify:\n  - json://127.0.0.1:9/ok\n  - 'mailto://'\n")

    out = run_cli("sweep", "--remote-all", STATEHUB_CONFIG_FILE=str(config))

    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert f"{config}, line 3, field 'notify.1'" in out.stderr
