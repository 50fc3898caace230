"""Sending one ping over HTTP: the only part of ``hcping`` that touches the network."""

from __future__ import annotations

import httpx

from hcping import BODY_CHARS, ERROR_CHARS, redacted


def send(client: httpx.Client, url: str, body: str) -> str | None:
    """POST one ping; None when the endpoint took it (2xx), else why not, in one line."""
    request = client.build_request(
        "POST",
        url,
        content=body[:BODY_CHARS].encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    try:
        # Streamed, and no more of the body read than an error line needs: an endpoint that
        # trickles its answer would otherwise reset the read timeout for as long as it likes.
        response = client.send(request, stream=True)
        try:
            if response.is_success:
                return None
            head = next(response.iter_bytes(), b"")[:ERROR_CHARS]
        finally:
            response.close()
    except httpx.TimeoutException:
        return f"timed out after {client.timeout.read or 0:g}s"
    except httpx.HTTPError as exc:
        # Some messages name the URL: keep the check's key out of logs and records.
        return f"{type(exc).__name__}: {str(exc).replace(url, redacted(url))}"
    text = " ".join(head.decode(errors="replace").split())[:ERROR_CHARS]
    return f"HTTP {response.status_code}{': ' + text if text else ''}"
