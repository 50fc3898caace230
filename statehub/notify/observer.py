"""The sweep observer that turns a recorded sweep into announcements in the outbox.

It runs on the sweep's thread once the sweep is recorded, so it only reads what it needs
(the stored alert states, the repos' newest upstream tips) and writes the states that
changed and one outbox row per message and channel, in one transaction. It never sends:
the server's delivery worker or the CLI's pass after the sweep does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from statehub.notify import alerts
from statehub.notify.alerts import AlertState, Message, RepoChange, RepoSeen
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


def _to_alert(stored: StoredAlert | None) -> AlertState | None:
    if stored is None:
        return None
    return AlertState(stored.key, stored.announced, stored.candidate, stored.streak)


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
        after = self.settings.notify_after
        with self.store.session() as db:
            tipped = [r.name for r in result.repos_processed if alerts.TIPPED & set(r.findings)]
            seen = (
                repos_seen(result, upstream_tips(db, tipped)) if result.health != "failed" else []
            )
            keys = [alerts.REPO_PREFIX + r.name for r in seen] + [alerts.HEALTH_KEY]
            stored = load_alerts(db, keys)
            changed: list[AlertState] = []
            repo_changes: list[RepoChange] = []
            for repo in seen:
                key = alerts.REPO_PREFIX + repo.name
                state, news = alerts.step(
                    _to_alert(stored.get(key)), key, repo.signature(), after=after, quiet={}
                )
                if state is not None and state != _to_alert(stored.get(key)):
                    changed.append(state)
                if news is not None:
                    repo_changes.append(alerts.repo_change(repo, *news))
            messages = alerts.repo_messages(repo_changes, digest_over=self.settings.notify_digest)
            old_health = _to_alert(stored.get(alerts.HEALTH_KEY))
            health, news = alerts.step(
                old_health, alerts.HEALTH_KEY, str(result.health), after=after, quiet="ok"
            )
            if health is not None and health != old_health:
                changed.append(health)
            if news is not None:
                before, now_health = news
                messages.append(
                    alerts.health_message(
                        before, now_health, result.health_reasons, host=result.host
                    )
                )
            save_alerts(
                db,
                [StoredAlert(a.key, a.announced, a.candidate, a.streak) for a in changed],
                now=result.finished_at,
            )
            enqueue_all(
                db, messages, self.channels, sweep_id=str(result.sweep_id), now=result.finished_at
            )
        return len(messages)


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
