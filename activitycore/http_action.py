"""Performing a definition's HTTP action: one request, or a start-then-poll for long calls.

Kept free of Temporal: the caller passes a ``heartbeat`` function and a checkpoint, and gets
typed errors back — :class:`RetryableActionError` (connection trouble, 5xx, 408, 429) or
:class:`PermanentActionError` (other 4xx, a broken answer). ``run_activities`` translates them
into Temporal's retryable / non-retryable ``ApplicationError``.

Why start-then-poll: a sweep may take minutes, and the tunnel between the cluster and the
workstation drops idle connections. With ``respond_async`` the request carries
``Prefer: respond-async``; State Hub answers ``202`` with a ``Location`` at once and we poll
that Location, heartbeating, until its status is no longer ``running``. The Location is the
checkpoint, saved as soon as it is known: a retried attempt (say, after the worker died)
resumes polling it instead of starting a second sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from activitycore.definitions import HttpRequest

TRIGGERED_BY = "activity-core"
POLL_REQUEST_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 10.0
FIRST_POLL_S = 0.25
_RETRYABLE_4XX = {408, 425, 429}
_STILL_RUNNING = {"running", "pending", "queued", "accepted"}


class ActionError(Exception):
    """The action failed; the message says what was asked and what came back."""


class RetryableActionError(ActionError):
    """Worth another attempt: the peer was unreachable, overloaded or broken for now."""


class PermanentActionError(ActionError):
    """Another attempt would fail the same way (a 4xx, an answer we cannot use)."""


Heartbeat = Callable[[str | None], None]
SaveCheckpoint = Callable[[str], Awaitable[None]]


class HttpAction:
    """Runs one action attempt with a shared ``httpx.AsyncClient``."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        state_hub_url: str | None,
        token: str | None,
        heartbeat: Heartbeat,
        heartbeat_every: float,
        save_checkpoint: SaveCheckpoint,
    ) -> None:
        self._client = client
        self._state_hub_url = state_hub_url
        self._token = token
        self._heartbeat = heartbeat
        self._heartbeat_every = heartbeat_every
        self._save_checkpoint = save_checkpoint
        self._checkpoint: str | None = None

    async def run(
        self,
        request: HttpRequest,
        *,
        run_id: str,
        timeout_seconds: float,
        checkpoint: str | None = None,
    ) -> Any:
        """The JSON document the action produced (or its text, when it is not JSON)."""
        self._checkpoint = checkpoint
        async with self._heartbeating():
            try:
                async with asyncio.timeout(timeout_seconds):
                    if self._checkpoint is None:
                        response = await self._start(request, run_id, timeout_seconds)
                        if not await self._accepted(request, response):
                            return _document(response)
                    return await self._poll(request)
            except TimeoutError:
                raise RetryableActionError(
                    f"{request.method} {request.url}: no result within {timeout_seconds:g} s"
                ) from None

    async def _start(self, request: HttpRequest, run_id: str, timeout: float) -> httpx.Response:
        response = await self._send(
            request.method,
            request.url,
            json=_body(request, run_id),
            headers=self._headers(request),
            timeout=timeout,
        )
        _raise_for_status(request.method, request.url, response)
        return response

    async def _accepted(self, request: HttpRequest, response: httpx.Response) -> bool:
        """True when the peer took the request to run asynchronously; saves the checkpoint.

        Saved through ``save_checkpoint`` (the database), not only in a heartbeat: the SDK
        throttles heartbeats, so a worker killed a moment after the 202 may never have sent
        the one carrying the location — and the retry would start a second job.
        """
        location = response.headers.get("location")
        if not (request.respond_async and response.status_code == 202 and location):
            return False
        self._checkpoint = urljoin(request.url, location)
        await self._save_checkpoint(self._checkpoint)
        self._heartbeat(self._checkpoint)
        return True

    async def _poll(self, request: HttpRequest) -> Any:
        assert self._checkpoint is not None
        location = self._checkpoint
        # Short jobs should not wait a whole interval: start at FIRST_POLL_S and double up to
        # the configured interval.
        delay = min(FIRST_POLL_S, request.poll_interval_seconds)
        while True:
            response = await self._send(
                "GET", location, headers=self._headers(request), timeout=POLL_REQUEST_TIMEOUT_S
            )
            if response.status_code == 404:
                raise PermanentActionError(
                    f"GET {location}: 404 — the peer no longer knows this job "
                    "(restarted while it ran?); it will not be restarted automatically"
                )
            _raise_for_status("GET", location, response)
            status = _json(response, "GET", location)
            if not isinstance(status, dict):
                raise PermanentActionError(
                    f"GET {location}: expected a JSON object, got {status!r}"
                )
            state = str(status.get("status", "")).lower()
            if state in _STILL_RUNNING:
                self._heartbeat(location)
                await asyncio.sleep(delay)
                delay = min(delay * 2, request.poll_interval_seconds)
                continue
            if state in ("failed", "error"):
                # State Hub says why in "detail" (and may add the result of a sweep
                # that ran but could not be recorded); other peers say "error".
                why = status.get("error") or status.get("detail")
                detail = why or status.get("result") or status
                raise PermanentActionError(f"GET {location}: the job failed: {detail}")
            return status.get("result", status)

    def _headers(self, request: HttpRequest) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if request.respond_async:
            headers["Prefer"] = "respond-async"
        if self._token and _same_origin(request.url, self._state_hub_url):
            # Only to State Hub: another definition's third-party URL must not see the token.
            headers["Authorization"] = f"Bearer {self._token}"
        headers.update(request.headers)
        return headers

    async def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        timeout: float,
        json: Any = None,
    ) -> httpx.Response:
        try:
            return await self._client.request(
                method,
                url,
                json=json,
                headers=headers,
                timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S)),
            )
        except httpx.TransportError as exc:
            raise RetryableActionError(f"{method} {url}: {_transport_reason(exc)}") from None

    @contextlib.asynccontextmanager
    async def _heartbeating(self) -> AsyncIterator[None]:
        # A plain (non-async) request can take minutes; heartbeat meanwhile so Temporal can
        # tell a slow peer from a dead worker.
        async def beat() -> None:
            while True:
                self._heartbeat(self._checkpoint)
                await asyncio.sleep(self._heartbeat_every)

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _body(request: HttpRequest, run_id: str) -> Any:
    body = request.body
    if request.run_context and isinstance(body, dict):
        return {"triggered_by": TRIGGERED_BY, "caller_run_id": run_id, **body}
    return body


def _same_origin(url: str, base: str | None) -> bool:
    if not base:
        return False
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _raise_for_status(method: str, url: str, response: httpx.Response) -> None:
    code = response.status_code
    if code < 300:
        return
    message = f"{method} {url}: HTTP {code} {response.reason_phrase}{_excerpt(response)}"
    if code >= 500 or code in _RETRYABLE_4XX:
        raise RetryableActionError(message)
    raise PermanentActionError(message)


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip()
    if not text:
        return ""
    try:
        detail = response.json().get("detail")
        if detail:
            text = str(detail)
    except (ValueError, AttributeError):
        pass
    return f": {text[:300]}"


def _json(response: httpx.Response, method: str, url: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise PermanentActionError(
            f"{method} {url}: expected JSON, got {response.text[:200]!r}"
        ) from None


def _document(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _transport_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc or 'connection refused'})"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"
