"""A stand-in HTTP peer for fault shapes the real State Hub cannot produce on demand: a 503
followed by success, and an asynchronous job that runs for as long as a test needs.

Everything else in the suite talks to the real State Hub (`statehub serve`).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StandIn:
    def __init__(self, *, failures_before_success: int = 0, job_seconds: float = 0.0) -> None:
        self.failures_before_success = failures_before_success
        self.job_seconds = job_seconds
        self.posts: list[dict[str, Any]] = []
        self.polls = 0
        self.jobs: dict[str, tuple[float, dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self.url = ""


def _handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            with state.lock:
                state.posts.append(body)
                count = len(state.posts)
            if self.path == "/flaky":
                if count <= state.failures_before_success:
                    self._send(503, {"detail": "warming up"})
                else:
                    self._send(200, {"ok": True, "posts": count, "body": body})
            elif self.path == "/job":
                job = str(uuid.uuid4())
                result = {"job": job, "caller_run_id": (body or {}).get("caller_run_id")}
                with state.lock:
                    state.jobs[job] = (time.monotonic() + state.job_seconds, result)
                self._send(202, {"status": "running"}, {"Location": f"/jobs/{job}"})
            else:
                self._send(404, {"detail": "no such path"})

        def do_GET(self) -> None:
            job = self.path.removeprefix("/jobs/")
            with state.lock:
                state.polls += 1
                found = state.jobs.get(job)
            if found is None:
                self._send(404, {"detail": "unknown job"})
            elif time.monotonic() < found[0]:
                self._send(200, {"status": "running", "result": None})
            else:
                self._send(200, {"status": "finished", "result": found[1]})

    return Handler


@contextmanager
def stand_in(**options: Any) -> Iterator[StandIn]:
    state = StandIn(**options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
