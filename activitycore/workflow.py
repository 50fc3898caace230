"""The ActivityRun workflow: record the run, perform the action, record the outcome.

The workflow only orchestrates; every read and write (database, HTTP) is an activity in
``run_activities``. It runs once per schedule slot (or manual trigger), so the schedule's
overlap policy SKIP plus one workflow per run is what keeps runs from piling up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError

with workflow.unsafe.imports_passed_through():
    from activitycore.run_activities import (
        ActionPlan,
        CallActionInput,
        FinishRunInput,
        RunActivities,
        StartRunInput,
    )

WORKFLOW_NAME = "ActivityRun"
# Set by Temporal on every workflow a schedule starts: the nominal slot, and the schedule id.
SCHEDULED_START_TIME = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
SCHEDULED_BY_ID = SearchAttributeKey.for_keyword("TemporalScheduledById")
# Database writes: each try short, retried until the database is back (the audit row matters
# more than promptness).
BOOKKEEPING_TIMEOUT = timedelta(seconds=30)
BOOKKEEPING_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))


@dataclass
class RunRequest:
    """The workflow's input: a schedule's fixed argument, or a manual trigger's."""

    definition_id: str
    trigger: str = "schedule"
    triggered_by: str | None = None
    requested_at: datetime | None = None


@dataclass
class RunSummary:
    run_id: str
    status: str
    error: str | None = None


@workflow.defn(name=WORKFLOW_NAME)
class ActivityRunWorkflow:
    @workflow.run
    async def run(self, request: RunRequest) -> RunSummary:
        info = workflow.info()
        # first_execution_run_id is stable across retries and resets of this execution,
        # so a replay on another worker records into the same row.
        run_id = info.first_execution_run_id
        nominal = info.typed_search_attributes.get(SCHEDULED_START_TIME)
        if nominal is not None:
            trigger = "schedule"
            scheduled_for = nominal
            triggered_by = info.typed_search_attributes.get(SCHEDULED_BY_ID)
        else:
            trigger = request.trigger
            scheduled_for = request.requested_at or info.workflow_start_time
            triggered_by = request.triggered_by
        started = await workflow.execute_activity_method(
            RunActivities.start_run,
            StartRunInput(
                run_id=run_id,
                definition_id=request.definition_id,
                workflow_id=info.workflow_id,
                fired_at=info.workflow_start_time,
                scheduled_for=scheduled_for,
                trigger=trigger,
                triggered_by=triggered_by,
            ),
            start_to_close_timeout=BOOKKEEPING_TIMEOUT,
            retry_policy=BOOKKEEPING_RETRY,
        )
        if started.plan is None:
            return RunSummary(run_id=run_id, status=started.status, error=started.error)
        plan = started.plan
        try:
            document = await workflow.execute_activity_method(
                RunActivities.call_action,
                CallActionInput(
                    run_id=run_id, http=plan.http, timeout_seconds=plan.timeout_seconds
                ),
                start_to_close_timeout=timedelta(seconds=plan.timeout_seconds + 30),
                heartbeat_timeout=timedelta(seconds=plan.heartbeat_timeout_seconds),
                retry_policy=_retry_policy(plan),
            )
        except ActivityError as err:
            error = describe_failure(err)
            await self._finish(FinishRunInput(run_id=run_id, status="failed", error=error))
            # Fail the workflow too, so Temporal's own UI and history show the failure.
            raise ApplicationError(error, type="ActionFailed", non_retryable=True) from err
        snapshot: dict[str, Any] = {plan.context_key: document}
        await self._finish(
            FinishRunInput(run_id=run_id, status="succeeded", context_snapshot=snapshot)
        )
        return RunSummary(run_id=run_id, status="succeeded")

    async def _finish(self, finish: FinishRunInput) -> None:
        await workflow.execute_activity_method(
            RunActivities.finish_run,
            finish,
            start_to_close_timeout=BOOKKEEPING_TIMEOUT,
            retry_policy=BOOKKEEPING_RETRY,
        )


def _retry_policy(plan: ActionPlan) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=timedelta(seconds=plan.initial_interval_seconds),
        backoff_coefficient=plan.backoff_coefficient,
        maximum_interval=timedelta(seconds=plan.maximum_interval_seconds),
        maximum_attempts=plan.maximum_attempts,
        non_retryable_error_types=["PermanentActionError"],
    )


def describe_failure(err: ActivityError) -> str:
    """One line for the ActivityRun's ``error``: the innermost cause's own message."""
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return cause.message
    if isinstance(cause, TimeoutError):
        kind = cause.type.name.lower().replace("_", "-") if cause.type else "unknown"
        return f"the action timed out ({kind} timeout; worker gone or peer too slow)"
    return str(cause or err)
