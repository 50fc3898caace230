"""One duration grammar at all three edges: ``statehub cadence``, ``GET /consistency/cadence``
and ``activity-core cadence`` accept the same text and refuse the same text with the same
message (``1234567s`` used to work in the first, be a 422 at the second and an error in the
third)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from activitycore.cli import app as activity_core
from activitycore.definitions import load_definitions
from activitycore.store import Store as ActivityStore
from activitycore.store import catalog
from durations import DurationError, parse_duration
from tests.activitycore.support import REPO
from tests.api.helpers import sqlite_only
from tests.cli.conftest import RunCli

ACCEPTED = [
    ("15m", timedelta(minutes=15)),
    (" 2h ", timedelta(hours=2)),
    ("30 m", timedelta(minutes=30)),
    ("86400s", timedelta(days=1)),
    ("7d", timedelta(days=7)),
    ("1w", timedelta(weeks=1)),
]
REFUSED = ["", "0m", "015m", "15", "m", "-5m", "1.5h", "15 minutes", "3y", "1234567s", "9999999d"]


def _flat(text: str) -> str:
    # rich may wrap a long line; the words are what must match.
    return " ".join(text.split())


@pytest.fixture
def activity_core_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """activity-core over its own database, holding the sweep's definition."""
    url = f"sqlite:///{tmp_path / 'activity-core.db'}"
    store = ActivityStore.open(url)
    loaded = load_definitions([REPO / "activities"], {"STATE_HUB_URL": "http://hub:8000"})
    with store.session() as db:
        catalog.sync_definitions(db, loaded=loaded)
    store.dispose()
    monkeypatch.setenv("ACTIVITY_CORE_DATABASE_URL", url)
    monkeypatch.setenv("ACTIVITY_CORE_HOME", str(tmp_path / "activity-core"))
    yield


def _activity_core(since: str) -> tuple[int, str]:
    shown = CliRunner().invoke(
        activity_core, ["cadence", "State Hub Consistency Sweep", "--since", since, "--json"]
    )
    return shown.exit_code, shown.output


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_the_grammar_reads(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", REFUSED)
def test_the_grammar_refuses_and_says_what_a_duration_is(text: str) -> None:
    with pytest.raises(DurationError) as refused:
        parse_duration(text)
    assert str(refused.value) == (
        f"{text!r} is not a duration like 15m, 2h, 7d "
        "(a whole number from 1 to 999999, then s, m, h, d or w)"
    )


@sqlite_only
@pytest.mark.usefixtures("activity_core_home")
@pytest.mark.parametrize("text", [text for text, _ in ACCEPTED])
def test_every_edge_accepts_the_same_text(text: str, run_cli: RunCli, client: httpx.Client) -> None:
    cli = run_cli("cadence", "--since", text, "--json")
    api = client.get("/consistency/cadence", params={"since": text})
    core_status, core_output = _activity_core(text)

    assert cli.returncode == 0, cli.stderr
    assert api.status_code == 200, api.text
    assert core_status == 0, core_output
    assert "not a duration" not in cli.stderr + core_output


@sqlite_only
@pytest.mark.usefixtures("activity_core_home")
@pytest.mark.parametrize("text", REFUSED)
def test_every_edge_refuses_the_same_text_with_the_same_message(
    text: str, run_cli: RunCli, client: httpx.Client
) -> None:
    with pytest.raises(DurationError) as refused:
        parse_duration(text)
    message = str(refused.value)

    cli = run_cli("cadence", "--since", text)
    api = client.get("/consistency/cadence", params={"since": text})
    core_status, core_output = _activity_core(text)

    assert cli.returncode == 2
    assert _flat(f"--since: {message}") in _flat(cli.stderr)
    assert (api.status_code, api.json()) == (422, {"detail": f"since: {message}"})
    assert core_status == 1
    assert _flat(f"--since: {message}") in _flat(core_output)
