"""Templates in, HTML responses out, with the headers every dashboard page carries."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi.responses import HTMLResponse

from statehub import __version__
from statehub.api.dashboard import fleet, strip
from statehub.fleet.explain import meaning
from statehub.fleet.names import printable, shorten

# Everything the page loads comes from this server: the dashboard must work on
# a workstation with no network, and nothing else may run script in it.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Fleet state is private and goes stale: never keep it in a cache.
    "Cache-Control": "no-store",
}


def when(value: datetime | None) -> str:
    """An exact UTC time, as the cadence (and the runbook) counts time."""
    if value is None:
        return "never"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def hm(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%H:%M")


def ago(value: datetime | None, now: datetime) -> str:
    """How long ago, coarse: what an operator reads at a glance."""
    if value is None:
        return "never"
    seconds = (now - value).total_seconds()
    if seconds < 0:
        return "just now"  # a clock a little ahead of ours
    if seconds < 60:
        return f"{seconds:.0f} s ago"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min ago"
    hours = minutes / 60
    if hours < 36:
        return f"{hours:.0f} h ago"
    return f"{hours / 24:.0f} d ago"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "\u2013"  # an en dash: "no value", not a minus
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def short_path(path: str, keep: int = 44) -> str:
    """The end of a long path, whole components first: the repo's own directory and its
    parents are the part worth reading (``…/src/team/repo``). dashboard.js cuts the same
    way to the width the row really has; this is the cut without script."""
    if len(path) <= keep:
        return path
    parts = path.split("/")
    for count in range(len(parts) - 2, 0, -1):
        tail = "\u2026/" + "/".join(parts[-count:])
        if len(tail) <= keep:
            return tail
    return "\u2026" + path[-(keep - 1) :]  # one component longer than the room: its end


def repo_url(name: str) -> str:
    # Quoted whole: a name may hold "/", "?", "#" or anything else printable.
    return "/dashboard/repos/" + quote(name, safe="")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("statehub.api.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a typo in a template fails a test, not silently
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=when,
        hm=hm,
        ago=ago,
        duration=duration,
        short_path=short_path,
        # Autoescape keeps markup out; this keeps control and invisible characters out too.
        shown=printable,
        short_name=shorten,
        repo_url=repo_url,
    )
    env.globals.update(
        version=__version__,
        tone=fleet.tone,
        label=fleet.label,
        status_labels=fleet.STATUS_LABELS,
        kind_labels=strip.KIND_LABELS,
        describe=strip.describe,
        meaning=meaning,
        legend=fleet.legend,
    )
    return env


def page(template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)
