"""The healthchecks.io ping protocol, as both services speak it to a dead man's switch.

A check URL (``https://hc-ping.com/<uuid>``, a self-hosted healthchecks, Cronitor's
compatible endpoint) hears ``<url>/start`` when a run begins, ``<url>`` when it succeeded and
``<url>/fail`` when it failed, each with ``?rid=`` naming the run so that the service pairs a
start with its end. The service alerts when the pings stop: the one alert an in-host
watchdog cannot send is "the host is off".

State Hub pings around each sweep (``statehub.notify.ping``), activity-core around each run
of a definition with ``ping_url:`` (``activitycore.ping``); both validate the URL, build the
ping URLs and redact them with this module, and send with ``hcping.send``: this module is
pure (standard library only), and httpx is imported only by ``send``'s module, which a
process that pings nothing never loads. Neither imports a service (an import-linter
contract keeps it so).
"""

from __future__ import annotations

from typing import Final, Literal
from urllib.parse import urlsplit

__all__ = ["BODY_CHARS", "ERROR_CHARS", "Signal", "check_url_problem", "ping_url", "redacted"]

Signal = Literal["start", "success", "fail"]
_SUFFIX: Final[dict[Signal, str]] = {"start": "/start", "success": "", "fail": "/fail"}
# healthchecks.io keeps the first 10 kB of a body (100 kB self-hosted): a summary, not a log.
BODY_CHARS: Final = 10_000
# An endpoint's error page is for a person reading a table, not a whole HTML document.
ERROR_CHARS: Final = 300


def check_url_problem(value: str) -> str | None:
    """Why ``value`` is not a check URL, in words that never repeat its secret path; or None."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = f"{parts.scheme}:" if parts.scheme else "no scheme"
        if parts.hostname:
            shown += f"//{parts.hostname}…"
        return f"expected an http(s) check URL such as https://hc-ping.com/<uuid>, got {shown}"
    if parts.query or parts.fragment:
        return (
            "expected the check URL itself, without ?query or #fragment "
            "(/start, /fail and ?rid= are added to it)"
        )
    return None


def ping_url(check_url: str, signal: Signal, rid: str) -> str:
    return f"{check_url.rstrip('/')}{_SUFFIX[signal]}?rid={rid}"


def redacted(url: str) -> str:
    """The URL as it may be shown and stored: scheme and host, never the check's key."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}/…"
