"""The sweep observer that turns a recorded sweep into announcements in the outbox.

It runs on the sweep's thread once the sweep is recorded, so it only reads what it needs
(the stored alert states, the repos' newest upstream tips) and writes the states that
changed and one outbox row per message and channel, in one transaction. It never sends:
the server's delivery worker or the CLI's pass after the sweep does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from statehub.notify import alerts
from statehub.notify.alerts import AlertState, Message, RepoSeen
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.alert_states import StoredAlert, load_alerts, save_alerts, upstream_tips
from statehub.store.deliveries import enqueue
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import SweepResult


def repos_seen(result: SweepResult, tips: dict[str, dict[str, str | None]]) -> list[RepoSeen]:
    """Every repo the sweep saw; those over its budget were not seen and are left out."""
    seen = [
        RepoSeen(r.name, r.path, r.findings, r.details, tips.get(r.name, {}))
        for r in result.repos_processed
    ]
    seen += [RepoSeen(name, name) for name in result.skipped_clean]
    seen += [RepoSeen(name, name, ["missing"]) for name in result.skipped_missing]
    seen += [RepoSeen(e.name, e.path, ["error"]) for e in result.errors]
    return seen


class Steps:
    """The stored states of one look at the fleet, stepped; only what changed is saved."""

    def __init__(self, db: Session, keys: Sequence[str], *, after: int) -> None:
        self.db, self.after = db, after
        self.stored = {
            key: AlertState(a.key, a.announced, a.candidate, a.streak)
            for key, a in load_alerts(db, keys).items()
        }
        self.changed: list[AlertState] = []

    def step(self, key: str, seen: Any, *, quiet: Any) -> tuple[Any, Any] | None:
        old = self.stored.get(key)
        state, news = alerts.step(old, key, seen, after=self.after, quiet=quiet)
        if state is not None and state != old:
            self.changed.append(state)
        return news

    def save(self, now: datetime) -> None:
        stored = [StoredAlert(a.key, a.announced, a.candidate, a.streak) for a in self.changed]
        save_alerts(self.db, stored, now=now)


class AlertObserver:
    """``SweepObserver``: what a finished sweep changed, announced once it held."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        channels: Sequence[str],
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.channels = list(channels)  # redacted: the outbox's channel column
        self.on_enqueued = on_enqueued

    def sweep_started(self, request: SweepRequest, started_at: datetime) -> None:
        pass

    def sweep_finished(self, result: SweepResult, *, recorded: bool) -> None:
        # A lock skip saw nothing; a sweep not recorded left no history to compare with (it
        # is announced when the spool is recorded and the next sweep sees the same).
        if not recorded or result.lock_skipped:
            return
        if self.announce(result) and self.on_enqueued is not None:
            self.on_enqueued()

    def announce(self, result: SweepResult) -> int:
        """Step every subject the sweep saw; enqueue what is to be announced. How many."""
        with self.store.session() as db:
            # A failed sweep saw no repo: only its health is news.
            seen = self._repos_seen(db, result) if result.health != "failed" else []
            keys = [alerts.REPO_PREFIX + r.name for r in seen] + [alerts.HEALTH_KEY]
            steps = Steps(db, keys, after=self.settings.notify_after)
            changes = []
            for repo in seen:
                news = steps.step(alerts.REPO_PREFIX + repo.name, repo.signature(), quiet={})
                if news is not None:
                    changes.append(alerts.repo_change(repo, *news))
            messages = alerts.repo_messages(changes, digest_over=self.settings.notify_digest)
            news = steps.step(alerts.HEALTH_KEY, str(result.health), quiet="ok")
            if news is not None:
                messages.append(
                    alerts.health_message(*news, result.health_reasons, host=result.host)
                )
            steps.save(result.finished_at)
            sweep_id, now = str(result.sweep_id), result.finished_at
            enqueue_all(db, messages, self.channels, sweep_id=sweep_id, now=now)
        return len(messages)

    @staticmethod
    def _repos_seen(db: Session, result: SweepResult) -> list[RepoSeen]:
        # Only the repos whose findings have a remote tip need their newest history row.
        tipped = [r.name for r in result.repos_processed if alerts.TIPPED & set(r.findings)]
        return repos_seen(result, upstream_tips(db, tipped))


def enqueue_all(
    db: Session,
    messages: Sequence[Message],
    channels: Sequence[str],
    *,
    sweep_id: str | None,
    now: datetime,
) -> None:
    """One outbox row per message and channel: each channel is retried on its own."""
    for message in messages:
        for channel in channels:
            enqueue(
                db,
                kind=message.kind,
                channel=channel,
                title=message.title,
                body=message.body,
                sweep_id=sweep_id,
                now=now,
            )
