"""A real HTTP receiver on loopback for notifications: it records what it is sent and can be
told to answer 500 or to hang, so delivery is tested against sockets, not mocks.

    with Receiver() as hook:
        settings = Settings(notify=hook.apprise_url("alerts"), …)
        …
        hook.mode = "fail"      # every POST answers 500 until set back to "ok"
        hook.mode = "hang"      # every POST is held open until the receiver closes
        hook.wait_for_bodies(1)
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

from testing.waiting import wait_for

Mode = Literal["ok", "fail", "hang"]


class Receiver:
    def __init__(self) -> None:
        self.mode: Mode = "ok"
        self.bodies: list[dict[str, Any]] = []  # the JSON of every POST answered 200
        self.attempts = 0  # every POST, whatever it was answered
        self._released = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with receiver._lock:
                    receiver.attempts += 1
                    mode = receiver.mode
                if mode == "hang":
                    receiver._released.wait(30)
                    return
                if mode == "fail":
                    self._answer(500, b"receiver is down")
                    return
                with receiver._lock:
                    receiver.bodies.append(json.loads(raw or b"{}"))
                self._answer(200, b"{}")

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def apprise_url(self, path: str = "hook") -> str:
        """The Apprise URL that posts JSON here (``json://`` is plain HTTP)."""
        return f"json://127.0.0.1:{self.port}/{path}"

    def titles(self) -> list[str]:
        with self._lock:
            return [str(body.get("title")) for body in self.bodies]

    def wait_for_bodies(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        wait_for(lambda: len(self.bodies) >= count, timeout=timeout, what=f"{count} bodies")
        with self._lock:
            return list(self.bodies)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._released.set()  # let hung handlers go, so the server can close
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
