"""Connecting to Temporal, with an error an operator can act on."""

from __future__ import annotations

import asyncio

from temporalio.client import Client
from temporalio.runtime import Runtime

from activitycore.errors import TemporalUnavailable
from activitycore.settings import Settings


async def connect(
    settings: Settings, *, wait_seconds: float = 0.0, runtime: Runtime | None = None
) -> Client:
    """A client for the configured address and namespace.

    ``wait_seconds`` keeps retrying that long — for a server that is still starting.
    ``runtime``: the worker's, when it serves metrics (activitycore.metrics).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        try:
            return await Client.connect(
                settings.temporal_address, namespace=settings.temporal_namespace, runtime=runtime
            )
        except RuntimeError as exc:  # the SDK's core bridge reports connect failures this way
            if loop.time() >= deadline:
                reason = _reason(str(exc))
                raise TemporalUnavailable(
                    f"cannot reach Temporal at {settings.temporal_address} "
                    f"(TEMPORAL_ADDRESS): {reason} — is `activity-core dev` or a Temporal "
                    "server running?"
                ) from None
            await asyncio.sleep(0.25)


def _reason(text: str) -> str:
    # The core bridge's message is a nested Rust debug dump; keep what a person needs.
    lowered = text.lower()
    for needle, short in (
        ("connection refused", "connection refused"),
        ("dns error", "unknown host"),
        ("timed out", "timed out"),
        ("namespace", text.strip().splitlines()[0][:200]),
    ):
        if needle in lowered:
            return short
    return text.strip().splitlines()[0][:200] if text.strip() else "no answer"
