"""The runbook's "API Surface" and "Progress Event Check" commands, verbatim, against
``statehub serve`` started with its defaults (127.0.0.1:8000), over a real fleet."""

from __future__ import annotations

import errno
import json
import socket
import subprocess
from pathlib import Path

import pytest

from statehub.settings import Settings
from statehub.store import Store
from testing import ROOT
from testing.fleet import FleetBuilder, register
from testing.serve import CLEAN_STOP, serve_process, statehub_env

# Copied from ../shared/seed/runbook.md; test_the_commands_are_the_runbooks_own
# keeps them identical. (The seed lost the code blocks' indentation.)
SWEEP_COMMAND = r"""curl -s -X POST http://127.0.0.1:8000/consistency/sweep/remote-all \
-H "Content-Type: application/json" \
-d '{"max_seconds": 300}' | python3 -m json.tool"""

PROGRESS_COMMAND = r"""curl -s "http://127.0.0.1:8000/progress/?event_type=consistency_sweep_remote_all&limit=5" \
| python3 -m json.tool"""  # noqa: E501 — verbatim

RUNBOOKS = [ROOT.parent / "shared" / "seed" / "runbook.md"]


def _runbook_text() -> list[str]:
    return [p.read_text() for p in RUNBOOKS if p.exists()]


def test_the_commands_are_the_runbooks_own() -> None:
    texts = _runbook_text()
    if not texts:
        pytest.skip(f"no runbook at {', '.join(map(str, RUNBOOKS))}")
    for text in texts:
        assert SWEEP_COMMAND in text
        assert PROGRESS_COMMAND in text


def _require_port_8000_free() -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(("127.0.0.1", 8000))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            pytest.fail(
                "127.0.0.1:8000 is in use: the runbook's commands target it, so this test "
                "must serve there. Stop whatever listens on port 8000 and rerun.",
                pytrace=False,
            )


def _run(command: str) -> object:
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{command}\nstdout: {done.stdout}\nstderr: {done.stderr}"
    return json.loads(done.stdout)


def test_the_runbook_commands_work_as_written(
    tmp_path: Path, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(
        store,
        {
            "clean": fleet_builder.clean("clean"),
            "dirty": fleet_builder.dirty("dirty"),
            "behind": fleet_builder.behind("behind"),
            "gone": fleet_builder.missing("gone"),
        },
    )
    _require_port_8000_free()
    env = statehub_env(settings.home, settings.resolved_database_url)

    # No --host/--port: the defaults are what the runbook's URLs assume.
    with serve_process(env, tmp_path / "serve.log") as server:
        result = _run(SWEEP_COMMAND)
        events = _run(PROGRESS_COMMAND)
        assert server.terminate() in CLEAN_STOP, server.output()

    assert isinstance(result, dict)
    # The runbook's healthy evidence, in the sweep's own answer…
    assert result["lock_skipped"] is False
    assert result["exit_code"] == 0
    assert sorted(r["name"] for r in result["repos_processed"]) == ["behind", "dirty"]
    assert result["skipped_clean"] == ["clean"]
    assert result["skipped_missing"] == ["gone"]
    assert result["skipped_budget"] == []
    # …and in the progress event the second command reads back.
    assert isinstance(events, list) and len(events) == 1
    [event] = events
    assert event["event_type"] == "consistency_sweep_remote_all"
    assert event["payload"] == result
