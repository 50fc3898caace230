"""The worker's activities: every I/O the ActivityRun workflow needs, as methods of one class
built with its store, HTTP client and settings (as in Temporal's samples).

The database activities are plain functions run on the worker's thread pool (SQLAlchemy is
synchronous); the HTTP activity is async and heartbeats.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from activitycore import ping
from activitycore.definitions import Definition, HttpRequest
from activitycore.errors import DefinitionNotFound
from activitycore.http_action import HttpAction, PermanentActionError, RetryableActionError
from activitycore.settings import Settings
from activitycore.store import Store, catalog, runs


@dataclass
class StartRunInput:
    run_id: str
    definition_id: str
    workflow_id: str
    fired_at: datetime
    scheduled_for: datetime
    trigger: str
    triggered_by: str | None


@dataclass
class ActionPlan:
    """What the workflow needs to run the action: the request and its activity options."""

    context_key: str
    http: dict[str, Any]
    timeout_seconds: float
    heartbeat_timeout_seconds: float
    maximum_attempts: int
    initial_interval_seconds: float
    backoff_coefficient: float
    maximum_interval_seconds: float


@dataclass
class StartedRun:
    status: str
    plan: ActionPlan | None = None  # None: nothing to run (the slot was skipped)
    error: str | None = None


@dataclass
class CallActionInput:
    run_id: str
    http: dict[str, Any]
    timeout_seconds: float


@dataclass
class FinishRunInput:
    run_id: str
    status: str
    error: str | None = None
    context_snapshot: dict[str, Any] | None = None


class RunActivities:
    def __init__(self, store: Store, http: httpx.AsyncClient, settings: Settings) -> None:
        self._store = store
        self._http = http
        self._settings = settings
        self._pinger = ping.RunPinger(store, timeout=settings.ping_timeout_seconds)

    @activity.defn(name="start_run")
    def start_run(self, start: StartRunInput) -> StartedRun:
        """Insert the ActivityRun (or find the one a previous attempt inserted) and return the
        action to perform — or record the slot as skipped when it is too late to run it."""
        with self._store.session() as db:
            try:
                row = catalog.find_definition(
                    db, name_or_id=start.definition_id, include_removed=True
                )
            except DefinitionNotFound as exc:
                raise ApplicationError(
                    str(exc), type="DefinitionNotFound", non_retryable=True
                ) from None
            definition = catalog.load_definition(row)
            skip_reason = self._stale(row.removed_at is not None, row.enabled, start) or (
                self._misfire(definition, start)
            )
            now = datetime.now(UTC)
            run = runs.start_run(
                db,
                run=runs.NewRun(
                    run_id=start.run_id,
                    definition_id=str(definition.id),
                    workflow_id=start.workflow_id,
                    fired_at=start.fired_at,
                    scheduled_for=start.scheduled_for,
                    trigger=start.trigger,
                    triggered_by=start.triggered_by,
                    status=runs.SKIPPED if skip_reason else runs.RUNNING,
                    error=skip_reason,
                    finished_at=now if skip_reason else None,
                ),
            )
            # The first attempt's decision stands: a retried start must not re-judge lateness.
            if run.status == runs.SKIPPED:
                activity.logger.info("run %s skipped: %s", start.run_id, run.error)
                return StartedRun(status=run.status, error=run.error)
            if run.status != runs.RUNNING:
                return StartedRun(status=run.status, error=run.error)
        # After the row is committed: the ping's thread records its outcome in it.
        if definition.ping_url is not None:
            self._pinger.started(
                definition.ping_url,
                run_id=start.run_id,
                body=ping.start_body(
                    definition.name, start.run_id, start.trigger, start.triggered_by
                ),
            )
        return StartedRun(status=runs.RUNNING, plan=self._plan(definition))

    @staticmethod
    def _stale(removed: bool, enabled: bool, start: StartRunInput) -> str | None:
        """Why a scheduled run must not run because the database (the synced definitions)
        says so while the schedule has not caught up yet. Manual runs always run: the
        canary is triggered while the definition is still disabled."""
        if start.trigger != "schedule":
            return None
        if removed:
            return (
                "its definition file is gone; `activity-core sync-schedules` deletes the schedule"
            )
        if not enabled:
            return "its definition is disabled; `activity-core sync-schedules` pauses the schedule"
        return None

    def _misfire(self, definition: Definition, start: StartRunInput) -> str | None:
        """Why this scheduled run must be skipped under ``misfire_policy: skip``, or None.

        The schedule's overlap policy already keeps a stopped worker from coming back to a
        burst; this also drops the one run that waited for it, when it is too late.
        """
        if start.trigger != "schedule" or definition.misfire_policy != "skip":
            return None
        late = (datetime.now(UTC) - start.scheduled_for).total_seconds()
        grace = self._settings.misfire_grace_seconds
        if late <= grace:
            return None
        return (
            f"missed its slot: picked up {late:.0f} s after "
            f"{start.scheduled_for:%Y-%m-%dT%H:%M:%SZ} (no worker?); "
            f"misfire_policy skip allows {grace:g} s"
        )

    def _plan(self, definition: Definition) -> ActionPlan:
        action = definition.action
        return ActionPlan(
            context_key=action.context_key,
            http=action.http.model_dump(mode="json", by_alias=True),
            timeout_seconds=action.timeout_seconds,
            heartbeat_timeout_seconds=self._settings.heartbeat_timeout_seconds,
            maximum_attempts=action.retry.maximum_attempts,
            initial_interval_seconds=action.retry.initial_interval_seconds,
            backoff_coefficient=action.retry.backoff_coefficient,
            maximum_interval_seconds=action.retry.maximum_interval_seconds,
        )

    @activity.defn(name="call_action")
    async def call_action(self, call: CallActionInput) -> Any:
        """One attempt at the HTTP action; resumes polling from the last heartbeat, if any."""
        info = activity.info()
        checkpoint = await asyncio.to_thread(self._begin_attempt, call.run_id, info.attempt)
        if checkpoint is None and info.heartbeat_details:
            detail = info.heartbeat_details[0]
            checkpoint = detail if isinstance(detail, str) else None

        async def save_checkpoint(location: str) -> None:
            await asyncio.to_thread(self._save_location, call.run_id, location)

        action = HttpAction(
            self._http,
            state_hub_url=self._settings.state_hub_url,
            token=self._settings.token(),
            heartbeat=lambda location: activity.heartbeat(location),
            heartbeat_every=max(0.5, self._settings.heartbeat_timeout_seconds / 3),
            save_checkpoint=save_checkpoint,
        )
        try:
            return await action.run(
                HttpRequest.model_validate(call.http),
                run_id=call.run_id,
                timeout_seconds=call.timeout_seconds,
                checkpoint=checkpoint,
            )
        except PermanentActionError as exc:
            await self._failed_attempt(call.run_id, info.attempt, str(exc), retryable=False)
            raise ApplicationError(
                str(exc),
                type="PermanentActionError",
                non_retryable=True,
                category=ApplicationErrorCategory.BENIGN,
            ) from None
        except RetryableActionError as exc:
            await self._failed_attempt(call.run_id, info.attempt, str(exc), retryable=True)
            raise ApplicationError(
                str(exc), type="RetryableActionError", category=ApplicationErrorCategory.BENIGN
            ) from None

    async def _failed_attempt(
        self, run_id: str, attempt: int, error: str, *, retryable: bool
    ) -> None:
        """One log line per failed attempt, and the row shows it. The errors raised after this
        are BENIGN so that the SDK logs them at debug: an expected failure (State Hub down for
        a minute) is not a traceback per retry in the worker's journal."""
        if retryable:
            await asyncio.to_thread(self._record_failed_attempt, run_id, error)
        outcome = "will be retried if attempts remain" if retryable else "not retryable"
        activity.logger.warning(
            "run %s: attempt %d failed (%s): %s", run_id, attempt, outcome, error
        )

    def _record_failed_attempt(self, run_id: str, error: str) -> None:
        with self._store.session() as db:
            runs.record_failed_attempt(db, run_id=run_id, error=error)

    def _begin_attempt(self, run_id: str, attempt: int) -> str | None:
        with self._store.session() as db:
            return runs.begin_attempt(db, run_id=run_id, attempt=attempt)

    def _save_location(self, run_id: str, location: str) -> None:
        with self._store.session() as db:
            runs.save_location(db, run_id=run_id, location=location)

    @activity.defn(name="finish_run")
    def finish_run(self, finish: FinishRunInput) -> None:
        with self._store.session() as db:
            runs.finish_run(
                db,
                run_id=finish.run_id,
                status=finish.status,
                finished_at=datetime.now(UTC),
                error=finish.error,
                context_snapshot=finish.context_snapshot,
            )
            definition = self._definition_of(db, finish.run_id)
        # Once the outcome is recorded; bounded by the ping timeout, well inside this
        # activity's own, and never raising.
        if definition is not None and definition.ping_url is not None:
            self._pinger.finished(
                definition.ping_url,
                run_id=finish.run_id,
                succeeded=finish.status == runs.SUCCEEDED,
                body=ping.finish_body(
                    definition.name,
                    finish.run_id,
                    finish.status,
                    finish.error,
                    finish.context_snapshot,
                ),
            )

    @staticmethod
    def _definition_of(db: Session, run_id: str) -> Definition | None:
        row = runs.get_run(db, run_id=run_id)
        if row is None:
            return None
        try:
            found = catalog.find_definition(db, name_or_id=row.definition_id, include_removed=True)
        except DefinitionNotFound:
            return None
        return catalog.load_definition(found)
