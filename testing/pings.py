"""A healthchecks.io-compatible check on loopback that records every ping it is sent.

``<base>/start``, ``<base>`` and ``<base>/fail`` (``?rid=`` naming the run), as hc-ping.com
answers them: 200 ``OK``. ``answer`` makes it fail (500) or hang (hold each request until
``release()``), the faults a dead man's switch must survive. Waits are on events, not sleeps:
``wait_for_pings(n)`` returns once ``n`` pings have arrived.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import parse_qs, urlsplit

Answer = Literal["ok", "error", "hang"]
CHECK_PATH = "/ping/5f1c4c1e-3b9e-4d2a-9c55-0d6c2c8c1a11"


@dataclass(frozen=True)
class ReceivedPing:
    signal: str  # start | success | fail | (anything else: a path we do not know)
    rid: str | None
    body: str
    method: str


class PingCheck:
    def __init__(self, answer: Answer = "ok") -> None:
        self.answer: Answer = answer
        self.pings: list[ReceivedPing] = []
        self.arrived = threading.Condition()  # a request reached the handler (hanging or not)
        self.requests = 0
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}{CHECK_PATH}"

    def release(self) -> None:
        """Let every hanging request (and any later one) be answered."""
        self._release.set()

    def wait_for_requests(self, count: int, timeout: float = 20) -> None:
        with self.arrived:
            if not self.arrived.wait_for(lambda: self.requests >= count, timeout):
                raise AssertionError(f"{self.requests} ping request(s) arrived, not {count}")

    def wait_for_pings(self, count: int, timeout: float = 20) -> list[ReceivedPing]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.pings) >= count, timeout):
                raise AssertionError(
                    f"{len(self.pings)} ping(s) answered, not {count}: {self.pings}"
                )
            return list(self.pings)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        check = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._ping("POST")

            def do_GET(self) -> None:
                self._ping("GET")

            def _ping(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                tail = parts.path.removeprefix(CHECK_PATH)
                signal = {"": "success", "/start": "start", "/fail": "fail"}.get(tail, tail)
                rid = parse_qs(parts.query).get("rid", [None])[0]
                with check.arrived:
                    check.requests += 1
                    check.arrived.notify_all()
                if check.answer == "hang":
                    check._release.wait()
                    # Released at the end of a test: whoever waited gave up long ago.
                if check.answer == "error":
                    self._reply(500, b"internal error")
                else:
                    self._reply(200, b"OK")
                with check.arrived:
                    check.pings.append(ReceivedPing(signal, rid, body, method))
                    check.arrived.notify_all()

            def _reply(self, status: int, text: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                except OSError:
                    pass  # the client gave up (its timeout): nothing to answer

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        return Handler

    @contextmanager
    def serving(self) -> Iterator[PingCheck]:
        thread = threading.Thread(target=self._server.serve_forever, name="ping-check")
        thread.start()
        try:
            yield self
        finally:
            self.release()
            self._server.shutdown()
            thread.join()
            self._server.server_close()
