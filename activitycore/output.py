"""How the CLI shows things: rich tables for people, plain JSON documents for scripts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from activitycore.cadence import Mirror
from activitycore.schedules import ScheduleReport, ScheduleView
from activitycore.settings import Settings
from activitycore.store.catalog import SyncReport
from activitycore.store.models import RunRow
from activitycore.trigger import TriggeredRun

_SLOTS_SHOWN = 20
_STATUS_STYLE = {
    "succeeded": "green",
    "failed": "red",
    "running": "yellow",
    "retrying": "yellow",
    "skipped": "dim",
}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def print_definition_sync(console: Console, report: SyncReport, database: str) -> None:
    for label, entries in (
        ("created", report.created),
        ("changed", report.changed),
        ("unchanged", report.unchanged),
        ("removed", report.removed),
    ):
        for entry in entries:
            where = "no longer on disk, was " if label == "removed" else ""
            console.print(
                f"{label:<9}  {entry.name}  ({entry.id}, {where}{entry.source_path})",
                soft_wrap=True,
                markup=False,
            )
    console.print(
        f"{len(report.created)} created, {len(report.changed)} changed, "
        f"{len(report.unchanged)} unchanged, {len(report.removed)} removed — {database}",
        soft_wrap=True,
    )


def print_schedule_sync(console: Console, report: ScheduleReport, settings: Settings) -> None:
    for label, changes in (
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("deleted", report.deleted),
    ):
        for change in changes:
            state = "" if label == "deleted" else (" [paused]" if change.paused else " [active]")
            console.print(
                f"{label:<9}  {change.name}  ({change.schedule_id}){state}",
                soft_wrap=True,
                markup=False,
            )
    for change in report.unknown:
        console.print(
            f"{'unknown':<9}  {change.schedule_id}  (no definition in this database has it; "
            "left alone: --prune deletes it)",
            soft_wrap=True,
            markup=False,
        )
    console.print(
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.deleted)} deleted, "
        f"{len(report.unknown)} unknown left alone — Temporal "
        f"{settings.temporal_address}, namespace {settings.temporal_namespace}",
        soft_wrap=True,
    )


def run_document(row: RunRow, name: str) -> dict[str, Any]:
    return {
        "run_id": row.run_id,
        "definition_id": row.definition_id,
        "definition_name": name,
        "workflow_id": row.workflow_id,
        "status": row.status,
        "trigger": row.trigger,
        "triggered_by": row.triggered_by,
        "scheduled_for": _iso(row.scheduled_for),
        "fired_at": _iso(row.fired_at),
        "finished_at": _iso(row.finished_at),
        "attempts": row.attempts,
        "error": row.error,
        "context_snapshot": row.context_snapshot,
        "start_ping": row.start_ping,
        "finish_ping": row.finish_ping,
    }


def print_runs(console: Console, found: list[tuple[RunRow, str]]) -> None:
    if not found:
        console.print("no runs yet")
        return
    table = Table(show_header=True, box=None, pad_edge=False)
    for column in ("fired at", "scheduled for", "name", "trigger", "status", "tries", "run id"):
        table.add_column(column)
    table.add_column("error", overflow="fold")
    for row, name in found:
        style = _STATUS_STYLE.get(row.status, "")
        table.add_row(
            _when(row.fired_at),
            _when(row.scheduled_for),
            name,
            row.trigger if row.trigger == "schedule" else f"manual ({row.triggered_by})",
            f"[{style}]{row.status}[/]" if style else row.status,
            str(row.attempts),
            row.run_id,
            (row.error or "")[:200],
        )
    console.print(table)


def print_triggered(console: Console, result: TriggeredRun, *, waited: bool) -> None:
    console.print(f"started run {result.run_id} of {result.definition_name!r}")
    console.print(f"  workflow {result.workflow_id}")
    row = result.row
    if not waited:
        console.print("  not waiting; see `activity-core runs`")
    elif row is None:
        console.print(
            "  [yellow]no worker picked it up in time[/] — is `activity-core worker` "
            "(or `activity-core dev`) running on this task queue?"
        )
    else:
        style = _STATUS_STYLE.get(row.status, "")
        console.print(f"  status [{style}]{row.status}[/] after {row.attempts} attempt(s)")
        if row.error:
            console.print(f"  error: {row.error}", soft_wrap=True)
        for key, value in (row.context_snapshot or {}).items():
            summary = _summary(value)
            console.print(f"  context_snapshot.{key}: {summary}", soft_wrap=True)
        for ping in (row.start_ping, row.finish_ping):
            if ping is not None:
                outcome = "sent" if ping.get("error") is None else f"failed: {ping['error']}"
                console.print(f"  ping {ping.get('signal')} to {ping.get('channel')}: {outcome}")


def _summary(value: Any) -> str:
    if isinstance(value, dict):
        keys = ("sweep_id", "exit_code", "lock_skipped", "repos_total", "caller_run_id")
        picked = {k: value[k] for k in keys if k in value}
        return ", ".join(f"{k}={v}" for k, v in picked.items()) or f"{len(value)} fields"
    return repr(value)[:200]


def schedule_document(view: ScheduleView) -> dict[str, Any]:
    return {
        "definition_id": view.definition_id,
        "name": view.name,
        "schedule_id": view.schedule_id,
        "exists": view.exists,
        "in_sync": view.in_sync,
        "trigger": view.trigger,
        "timezone": view.timezone,
        "paused": view.paused,
        "note": view.note,
        "next_action_times": [_iso(t) for t in view.next_action_times],
        "recent_actions": [
            {
                "scheduled_at": _iso(a.scheduled_at),
                "started_at": _iso(a.started_at),
                "workflow_id": a.workflow_id,
            }
            for a in view.recent_actions
        ],
        "actions_taken": view.actions_taken,
        "skipped_overlap": view.skipped_overlap,
        "missed_catchup_window": view.missed_catchup_window,
    }


def print_schedules(console: Console, views: list[ScheduleView]) -> None:
    if not views:
        console.print("no definitions (run `activity-core sync-activity-definitions`)")
    for view in views:
        if not view.exists:
            state = "[yellow]no schedule[/] (run `activity-core sync-schedules`)"
        else:
            state = "[dim]paused[/]" if view.paused else "[green]active[/]"
            if not view.in_sync:
                state += " [yellow](out of date: run `activity-core sync-schedules`)[/]"
        console.print(f"[bold]{view.name}[/]  {view.schedule_id}")
        console.print(f"  {view.trigger} ({view.timezone})  {state}")
        if view.note:
            console.print(f"  note: {view.note}", soft_wrap=True)
        if view.exists:
            upcoming = ", ".join(_when(t) for t in view.next_action_times[:3]) or "-"
            console.print(f"  next: {upcoming}")
            console.print(
                f"  actions: {view.actions_taken} taken, {view.skipped_overlap} skipped "
                f"(overlap), {view.missed_catchup_window} missed (catch-up window)"
            )
            for action in view.recent_actions[-3:]:
                console.print(
                    f"  recent: slot {_when(action.scheduled_at)}, started "
                    f"{_when(action.started_at)}  {action.workflow_id}"
                )


def mirror_document(mirror: Mirror, *, name: str, trigger: str, enabled: bool) -> dict[str, Any]:
    return {
        "definition": name,
        "trigger": trigger,
        "enabled": enabled,
        "window_start": _iso(mirror.start),
        "window_end": _iso(mirror.end),
        "slots_judged": len(mirror.slots),
        "slots_pending": mirror.pending,
        "counts": mirror.counts,
        "missed": [_iso(slot) for slot in mirror.missed],
        "manual_runs": mirror.manual_runs,
        "unexpected_runs": [r.run_id for r in mirror.unexpected],
        "ok": mirror.ok,
        "slots": [
            {
                "slot": _iso(s.slot),
                "status": s.status,
                "runs": [
                    {"run_id": r.run_id, "fired_at": _iso(r.fired_at), "status": r.status}
                    for r in s.runs
                ],
            }
            for s in mirror.slots
        ],
    }


def print_mirror(
    console: Console, mirror: Mirror, *, name: str, trigger: str, enabled: bool
) -> None:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(mirror.counts.items())) or "none"
    console.print(
        f"{name} ({trigger}{'' if enabled else ', disabled: schedule paused'}): "
        f"{_when(mirror.start)} to {_when(mirror.end)}, {len(mirror.slots)} slots judged "
        f"({counts}), {mirror.pending} pending, {mirror.manual_runs} manual runs",
        soft_wrap=True,
        markup=False,
    )
    bad = [s for s in mirror.slots if s.status not in ("succeeded", "running", "retrying")]
    if bad:
        table = Table("slot (UTC)", "status", "runs")
        for s in bad[:_SLOTS_SHOWN]:
            style = _STATUS_STYLE.get(s.status, "bold red")
            runs = ", ".join(f"{r.run_id} {r.status}" for r in s.runs) or "no run recorded"
            table.add_row(_when(s.slot), f"[{style}]{s.status}[/]", runs)
        console.print(table)
        if len(bad) > _SLOTS_SHOWN:
            console.print(f"… and {len(bad) - _SLOTS_SHOWN} more (--json lists every slot)")
    for run in mirror.unexpected:
        console.print(
            f"unexpected: run {run.run_id} scheduled for {_when(run.scheduled_for)}, "
            "which the trigger does not name (was the trigger changed?)",
            soft_wrap=True,
            markup=False,
        )
    if mirror.ok:
        console.print("[green]every slot fired and succeeded[/]")
    elif not mirror.slots:
        console.print("[red]no slot in the window is old enough to judge[/]")
    else:
        console.print(f"[red]{len(bad)} of {len(mirror.slots)} slots did not succeed[/]")
