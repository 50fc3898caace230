"""The cadence verdict counts only sweeps that saw (issue 12, item 3).

The credentials trap, for real: the timer's sweeps run with the user's git configuration —
here a ``url.…insteadOf`` that is the only way to the remotes, as an ssh agent would be —
and activity-core's sweeps run without it, so every one of their fetches fails while they
still exit 0 and attend their slots. Real sweeps over real repos in both environments give
the documents; a day of slots cannot be waited for, so those documents are recorded with
chosen times (``tests/cadence/history.py`` does the same). Attendance alone said the timer
could go; the verdict now refuses, naming the difference, and the strip marks the slots.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from statehub.cadence.marks import SweepMark
from statehub.cadence.slots import slot_start
from statehub.cadence.verdict import judge
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import append_event
from statehub.store.models import EventRow
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import EVENT_TYPE, LockHolder, SweepResult
from statehub.sweep.result_schema import read_result
from testing import ROOT
from testing.fleet import FleetBuilder, register

START = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
EVERY = timedelta(minutes=15)


def _mark(i: int, source: str, *, fetched: int, of: int, skipped: bool = False) -> SweepMark:
    at = START + i * EVERY + timedelta(seconds=3)
    health = "ok" if skipped or fetched == of else "degraded"
    return SweepMark(
        event_id=i * 2 + (source == "activity-core"),
        sweep_id=f"{source}-{i}",
        triggered_by=source,
        started_at=at,
        finished_at=at + timedelta(seconds=20),
        lock_skipped=skipped,
        exit_code=0,
        failed=False,
        health=health,
        fetched=0 if skipped else fetched,
        fetch_attempted=0 if skipped else of,
    )


def _alternating(
    ac_fetched: int, timer_fetched: int, of: int = 10, slots: int = 8
) -> list[SweepMark]:
    """activity-core runs in even slots (the timer lock-skipped), the timer in odd ones."""
    marks = []
    for i in range(slots):
        ours = i % 2 == 0
        marks.append(_mark(i, "activity-core", fetched=ac_fetched, of=of, skipped=not ours))
        marks.append(_mark(i, "local-timer", fetched=timer_fetched, of=of, skipped=ours))
    return marks


@pytest.mark.parametrize(
    ("ac", "timer", "can_go"),
    [
        (10, 10, True),  # both saw everything
        (10, 9, True),  # activity-core saw more: fine
        (9, 10, True),  # one flaky remote: within the margin
        (8, 10, False),  # materially less
        (0, 10, False),  # blind: the credentials trap
    ],
)
def test_the_verdict_refuses_while_activity_core_fetched_materially_less(
    ac: int, timer: int, can_go: bool
) -> None:
    verdict = judge(_alternating(ac, timer), start=START, end=START + 8 * EVERY)
    assert verdict.attended == verdict.judged == 8  # attendance alone would say yes
    assert verdict.can_disable_timer is can_go, verdict.reasons
    sight = {s.source: s for s in verdict.sight}
    assert (sight["activity-core"].slots_ran, sight["local-timer"].slots_ran) == (4, 4)
    assert sight["activity-core"].slots_degraded == (4 if ac < 10 else 0)
    assert sight["activity-core"].slots_blind == (4 if ac == 0 else 0)
    if not can_go:
        assert verdict.reasons[-1].startswith(
            f"activity-core's sweeps fetched {ac * 10}% ({ac * 4} of 40 repo fetches) "
            "against local-timer's 100% (40 of 40 repo fetches)"
        )


# -- the real thing ------------------------------------------------------------------------


def _fleet_behind_a_credential(
    tmp_path: Path, fleet_builder: FleetBuilder, n: int
) -> tuple[dict[str, Path], Path]:
    """Repos whose remote is reachable only through the user's git configuration (returned
    second: a global config that includes the suite's own and adds the way in)."""
    repos = {f"r{i}": fleet_builder.clean(f"r{i}") for i in range(n)}
    for path in repos.values():
        real = subprocess.run(
            ["git", "remote", "get-url", "origin"],
            cwd=path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        base = str(Path(real).parent) + "/"
        subprocess.run(
            ["git", "remote", "set-url", "origin", f"vault:{Path(real).name}"], cwd=path, check=True
        )
    credentialed = tmp_path / "user.gitconfig"
    credentialed.write_text(
        f"[include]\n\tpath = {os.environ['GIT_CONFIG_GLOBAL']}\n"
        f'[url "{base}"]\n\tinsteadOf = vault:\n'
    )
    return repos, credentialed


def _real_sweep(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch, who: str, config: Path | None
) -> dict[str, Any]:
    with monkeypatch.context() as env:
        if config is not None:
            env.setenv("GIT_CONFIG_GLOBAL", str(config))
        result = Sweeper(settings, store).run(SweepRequest(max_seconds=60, triggered_by=who))
    return result.document()


def _record(store: Store, document: dict[str, Any], started_at: datetime) -> None:
    shifted = dict(document)
    duration = timedelta(seconds=document["duration_seconds"])
    shifted.update(
        sweep_id=str(uuid.uuid4()),
        started_at=started_at.isoformat(),
        finished_at=(started_at + duration).isoformat(),
    )
    with store.session() as db:
        append_event(
            db,
            event_type=EVENT_TYPE,
            summary=read_result(shifted).summary(),
            payload=shifted,
            triggered_by=shifted["triggered_by"],
            sweep_id=shifted["sweep_id"],
            created_at=started_at + duration,
        )


def _skip(who: str, started_at: datetime) -> dict[str, Any]:
    return SweepResult(
        sweep_id=uuid.uuid4(),
        triggered_by=who,
        host="test-workstation",
        mode="warn",
        max_seconds=300,
        started_at=started_at,
        finished_at=started_at,
        duration_seconds=0,
        lock_skipped=True,
        held_by=LockHolder(sweep_id="x", pid=1, started_at=started_at, triggered_by="other"),
        exit_code=0,
        repos_total=3,
        health="ok",
    ).document()


def test_activity_core_sweeps_without_the_users_credentials_keep_the_timer(
    tmp_path: Path,
    settings: Settings,
    store: Store,
    fleet_builder: FleetBuilder,
    monkeypatch: pytest.MonkeyPatch,
    client: httpx.Client,
) -> None:
    fleet, config = _fleet_behind_a_credential(tmp_path, fleet_builder, 3)
    register(store, fleet)
    timer = _real_sweep(settings, store, monkeypatch, "local-timer", config)
    worker = _real_sweep(settings, store, monkeypatch, "activity-core", None)
    assert (timer["health"], timer["exit_code"]) == ("ok", 0)
    assert (worker["health"], worker["exit_code"]) == ("degraded", 0)
    assert worker["health_reasons"][0].startswith("no remote could be fetched (0 of 3)")
    with store.session() as db:  # only the restamped history below is judged
        db.execute(delete(EventRow))

    now = datetime.now(UTC)
    first = slot_start(now - timedelta(hours=6), EVERY) + EVERY
    at, i = first, 0
    # Every slot begun by now: the CLI, a moment later, judges those begun before its own
    # now less the tolerance, a subset of these whatever the clock says.
    while at <= now:
        ours = i % 2 == 0
        ran, skipped = (worker, "local-timer") if ours else (timer, "activity-core")
        _record(store, ran, at + timedelta(seconds=2))
        _record(store, _skip(skipped, at + timedelta(seconds=3)), at + timedelta(seconds=3))
        at, i = at + EVERY, i + 1

    env = {
        **os.environ,
        "STATEHUB_HOME": str(settings.home),
        "STATEHUB_DATABASE_URL": settings.resolved_database_url,
        "COLUMNS": "250",
    }
    checked = subprocess.run(
        [sys.executable, "-m", "statehub", "cadence", "--since", "6h", "--check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 4, checked.stdout + checked.stderr
    assert "keep custodian-sync.timer" in checked.stdout
    assert "activity-core's sweeps fetched 0% (0 of" in checked.stdout
    assert "against local-timer's 100%" in checked.stdout
    document = json.loads(
        subprocess.run(
            [sys.executable, "-m", "statehub", "cadence", "--since", "6h", "--json"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    )
    assert document["slots_attended"] == document["slots_judged"] > 0
    assert document["can_disable_timer"] is False
    totals = {t["source"]: t for t in document["totals"]}
    ac = totals["activity-core"]
    assert ac["slots_blind"] == ac["slots_degraded"] == ac["slots_ran"] > 0
    assert ac["repos_fetched"] == 0 and ac["fetches_attempted"] == 3 * ac["slots_ran"]
    assert totals["local-timer"]["slots_degraded"] == 0

    page = client.get("/").text
    assert page.count(" degraded") >= ac["slots_ran"]
    assert "blind: fetched 0 of 3" in page
