"""Waiting on something a test or benchmark cannot be told about: poll, with a deadline.

A test waits on an event where it can; these are for the rest (a server answering, a row
appearing, a process going away), and fail with what was awaited once the deadline passes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | None], *, timeout: float = 20.0, interval: float = 0.2, what: str = ""
) -> T:
    """Call ``probe`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (value := _attempt(probe, deadline, timeout, what)) is None:
        time.sleep(interval)
    return value


async def until(
    probe: Callable[[], T | None], *, timeout: float = 20.0, interval: float = 0.2, what: str = ""
) -> T:
    """Async twin of :func:`wait_for`, for tests whose worker shares the event loop."""
    deadline = time.monotonic() + timeout
    while (value := _attempt(probe, deadline, timeout, what)) is None:
        await asyncio.sleep(interval)
    return value


def _attempt(probe: Callable[[], T | None], deadline: float, timeout: float, what: str) -> T | None:
    """``probe``'s value if truthy, None to try again, AssertionError once past ``deadline``."""
    value = probe()
    if value:
        return value
    if time.monotonic() > deadline:
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what or probe}")
    return None
