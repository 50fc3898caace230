"""Real sweeps over real repos, announced to a real loopback receiver: once a new state held
for the damping count, once only, resolved once; many repos at once as one digest; the
sweep's health degraded and recovered. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from statehub.notify import sweep_observers
from statehub.notify.channels import configured_channels
from statehub.notify.delivery import deliver_due
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.deliveries import recent
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import SweepResult
from testing.fleet import FleetBuilder, register
from testing.receiver import Receiver


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def notifying(settings: Settings, hook: Receiver) -> Settings:
    return replace(settings, notify=hook.apprise_url("alerts"), notify_timeout=2)


class Sweeps:
    """Sweep, then deliver what it announced, as ``statehub sweep`` does."""

    def __init__(self, settings: Settings, store: Store, hook: Receiver) -> None:
        self.settings, self.store, self.hook = settings, store, hook
        self.sweeper = Sweeper(settings, store, sweep_observers(settings, lambda: store))
        self.channels = configured_channels(settings)

    def run(self, *, fetch: bool = True) -> SweepResult:
        result = self.sweeper.run(SweepRequest(max_seconds=60, fetch=fetch))
        deliver_due(self.store, self.channels, timeout=self.settings.notify_timeout)
        return result


def test_a_repo_that_falls_behind_is_announced_once_after_damping_and_resolved_once(
    fleet_builder: FleetBuilder, notifying: Settings, store: Store, hook: Receiver
) -> None:
    repo = fleet_builder.behind("api")
    register(store, {"api": repo, "web": fleet_builder.clean("web")})
    sweeps = Sweeps(notifying, store, hook)

    assert [r.findings for r in sweeps.run().repos_processed] == [["behind"]]
    assert hook.titles() == []  # seen once: not yet (STATEHUB_NOTIFY_AFTER=2)
    sweeps.run()
    assert hook.titles() == ["api needs action: behind"]
    [alert] = hook.bodies
    assert f"git -C {repo} pull --ff-only" in alert["message"]  # the command to go on
    assert "1 behind origin/main" in alert["message"]
    sweeps.run()
    sweeps.run()
    assert len(hook.bodies) == 1  # still behind the same commit: nothing more

    fleet_builder.git(repo, "pull", "--quiet", "--ff-only")
    assert sweeps.run().repos_processed == []
    assert len(hook.bodies) == 1  # clean once: not yet
    sweeps.run()
    assert hook.titles() == ["api needs action: behind", "api: resolved (behind)"]
    sweeps.run()
    assert len(hook.bodies) == 2
    with store.reading() as db:
        kinds = {(d.kind, d.status, d.channel) for d in recent(db, limit=10)}
    assert kinds == {("repo_alert", "delivered", f"json://127.0.0.1:{hook.port}/alerts")}


def test_a_state_that_flaps_for_one_sweep_is_never_announced(
    fleet_builder: FleetBuilder, notifying: Settings, store: Store, hook: Receiver
) -> None:
    repo = fleet_builder.clean("api")
    register(store, {"api": repo})
    sweeps = Sweeps(notifying, store, hook)
    sweeps.run(fetch=False)
    (repo / "README.md").write_text("edited\n")
    assert [r.findings for r in sweeps.run(fetch=False).repos_processed] == [["dirty"]]
    fleet_builder.git(repo, "checkout", "--quiet", "--", "README.md")
    sweeps.run(fetch=False)
    sweeps.run(fetch=False)
    assert hook.bodies == []


def test_thirty_repos_changing_in_one_sweep_are_one_digest(
    fleet_builder: FleetBuilder, notifying: Settings, store: Store, hook: Receiver
) -> None:
    register(store, {f"r{n:02}": fleet_builder.dirty(f"r{n:02}") for n in range(30)})
    sweeps = Sweeps(notifying, store, hook)
    sweeps.run(fetch=False)
    sweeps.run(fetch=False)
    sweeps.run(fetch=False)

    assert hook.titles() == ["30 repos changed: 30 need action, 0 resolved"]
    [digest] = hook.bodies
    assert "• r00: dirty" in digest["message"] and "… and 10 more" in digest["message"]
    with store.reading() as db:
        assert [d.kind for d in recent(db, limit=10)] == ["digest"]


def test_a_degraded_sweep_is_announced_and_its_recovery_too(
    fleet_builder: FleetBuilder, notifying: Settings, store: Store, hook: Receiver, tmp_path: Path
) -> None:
    repo = fleet_builder.clean("api")
    register(store, {"api": repo})
    good_remote = fleet_builder.git(repo, "remote", "get-url", "origin").stdout.decode().strip()
    fleet_builder.git(repo, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    sweeps = Sweeps(notifying, store, hook)

    assert sweeps.run().health == "degraded"
    assert sweeps.run().health == "degraded"
    assert hook.titles() == ["sweep degraded on test-workstation"]
    assert "api" in hook.bodies[0]["message"]  # the reason names the repo whose fetch failed

    fleet_builder.git(repo, "remote", "set-url", "origin", good_remote)
    assert sweeps.run().health == "ok"
    assert sweeps.run().health == "ok"
    sweeps.run()
    assert hook.titles() == [
        "sweep degraded on test-workstation",
        "sweeps recovered on test-workstation",
    ]
