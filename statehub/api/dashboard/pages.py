"""``GET /`` (the dashboard) and ``GET /dashboard/sweeps/{sweep_id}`` (one sweep).

Without a valid sign-in (when the server has a token) both answer 401 with the
sign-in form and nothing else: not a repo name, not a count.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from hcping import redacted
from statehub.api.dashboard import banner, fleet, strip, sweeps
from statehub.api.dashboard.render import page
from statehub.api.dashboard.session import signed_in, token_required
from statehub.api.deps import SettingsDep, StoreDep, SweepsDep
from statehub.cadence import status as status_rules
from statehub.cadence.history import iter_marks
from statehub.errors import RepoNotFound
from statehub.health import Health
from statehub.repoview import repo_history, repo_view
from statehub.settings import Settings
from statehub.store import summaries
from statehub.store.deliveries import recent as recent_deliveries
from statehub.store.events import get_event_by_sweep_id
from statehub.store.repos import list_repos
from statehub.sweep.lock import current_holder

router = APIRouter(include_in_schema=False)

RECENT_SWEEPS = 20
TIMELINE_ROWS = 50
RECENT_NOTIFICATIONS = 5


def _sign_in_page() -> HTMLResponse:
    # After signing in, the page reloads itself: the same URL, now with the cookie.
    return page("signin.html", {}, status_code=401)


def _common(request: Request, settings: Settings, now: datetime) -> dict[str, Any]:
    return {
        "now": now,
        "host": settings.hostname,
        "token_required": token_required(request),
    }


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    sweeps_here: SweepsDep,
    q: Annotated[str, Query(max_length=200)] = "",
    finding: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    if not signed_in(request):
        return _sign_in_page()
    now = datetime.now(UTC)
    start, _ = strip.window(now)
    # Sweeps are read from their summary rows, never their payloads (a megabyte each for a
    # big fleet): the page costs the same with 90 days of history as with one.
    with store.reading() as db:
        repos = list_repos(db)
        recent = summaries.recent_summaries(db, limit=RECENT_SWEEPS)
        marks = list(iter_marks(db, since=start))
        completed = summaries.last_completed(db)
        attempt = summaries.last_attempt(db)
        notifications = recent_deliveries(db, limit=RECENT_NOTIFICATIONS)
        (last_ping,) = recent_deliveries(db, limit=1, kind="ping") or (None,)
    overdue, overdue_reason = status_rules.overdue(
        completed,
        now,
        cadence_minutes=settings.cadence_minutes,
        grace_minutes=settings.cadence_grace_minutes,
    )
    rows = fleet.ordered(repos)
    health, health_reasons, health_derived = (
        (Health(attempt.health), attempt.health_reasons, attempt.health_derived)
        if attempt
        else (None, [], False)
    )
    fleet_counts = fleet.counts(rows)
    top = banner.banner(
        overdue=overdue,
        overdue_reason=overdue_reason,
        health=health,
        health_reasons=health_reasons,
        health_derived=health_derived,
        total=fleet_counts.total,
        needs_action=fleet_counts.needs_action,
        clean=fleet_counts.clean,
        unchecked=fleet_counts.unchecked,
        findings=fleet.finding_counts(rows),
    )
    return page(
        "index.html",
        {
            **_common(request, settings, now),
            "rows": rows,
            "visible": [fleet.matches(r, name=q, tag=finding) for r in rows],
            "counts": fleet_counts,
            "banner": top,
            "options": fleet.filter_options(rows, finding),
            "q": q,
            "finding": finding,
            "cells": strip.cells(marks, now),
            "recent": [sweeps.row_of(s) for s in recent],
            "last_completed": completed,
            "holder": current_holder(settings.lock_path),
            # The dead man's switch: which check (redacted) and what its last ping became.
            "ping_channel": redacted(settings.ping_url) if settings.ping_url else None,
            "last_ping": last_ping,
            "running_here": sweeps_here.running_ids(),
            "notifications": notifications,
            "notify_channels": [c.redacted for c in request.app.state.notify_channels],
        },
    )


@router.get("/dashboard/sweeps/{sweep_id}", response_class=HTMLResponse)
def sweep_page(
    request: Request,
    sweep_id: UUID,
    settings: SettingsDep,
    store: StoreDep,
    sweeps_here: SweepsDep,
) -> HTMLResponse:
    if not signed_in(request):
        return _sign_in_page()
    now = datetime.now(UTC)
    with store.reading() as db:
        event = get_event_by_sweep_id(db, sweep_id=str(sweep_id))
    context = {**_common(request, settings, now), "sweep_id": sweep_id}
    if event is not None:
        return page("sweep.html", {**context, "doc": sweeps.document_for(event)})
    found = sweeps_here.status(sweep_id)
    if found is not None and found.status == "running":
        return page("sweep_running.html", context)
    detail = found.detail if found is not None else None
    return page("sweep_missing.html", {**context, "detail": detail}, status_code=404)


# :path: a name may hold "/" (``repos add --name``); the fleet table quotes it whole.
@router.get("/dashboard/repos/{name:path}", response_class=HTMLResponse)
def repo_page(request: Request, name: str, settings: SettingsDep, store: StoreDep) -> HTMLResponse:
    if not signed_in(request):
        return _sign_in_page()
    context = {**_common(request, settings, datetime.now(UTC)), "name": name}
    try:
        if "\x00" in name:  # no registered name holds one, and PostgreSQL cannot compare it
            raise RepoNotFound(name)
        with store.reading() as db:
            view = repo_view(db, name=name)
            history = repo_history(db, name=name, limit=TIMELINE_ROWS)
    except RepoNotFound:
        return page("repo_missing.html", context, status_code=404)
    return page(
        "repo.html",
        {**context, "view": view, "history": history, "history_limit": TIMELINE_ROWS},
    )
