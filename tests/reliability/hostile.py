"""Hostile peers for the hostile-repository tests: an sshd that only takes passwords, and a
loopback port where something accepts the connection and never says a word."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from testing.serve import free_port
from tests.reliability.support import wait_until

SSHD = Path("/usr/sbin/sshd")


@contextmanager
def password_only_sshd(directory: Path) -> Iterator[tuple[int, Path]]:
    """A real OpenSSH server on loopback that offers password authentication only.

    Yields its port and a known_hosts file holding its host key, so a client gets as far
    as the password prompt — where BatchMode must make it give up at once.
    """
    keygen = shutil.which("ssh-keygen")
    if not SSHD.is_file() or keygen is None:
        pytest.skip("openssh-server is not installed (.ci/run installs it)")
    directory.mkdir(parents=True, exist_ok=True)
    host_key = directory / "host_ed25519"
    subprocess.run(
        [keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True, timeout=30
    )
    port = free_port()
    config = directory / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        f"PidFile {directory / 'sshd.pid'}\n"
        "PasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
        "PubkeyAuthentication no\nUsePAM no\nStrictModes no\n"
    )
    known_hosts = directory / "known_hosts"
    public = (directory / "host_ed25519.pub").read_text().split()
    known_hosts.write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
    try:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    except PermissionError:
        pytest.skip("sshd needs /run/sshd, which only root can create")
    with (directory / "sshd.log").open("wb") as log:  # sshd writes to its own copy
        server = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:

        def listening() -> bool:
            if server.poll() is not None:
                raise AssertionError((directory / "sshd.log").read_text())
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        wait_until(listening, timeout=10, what="sshd to listen")
        yield port, known_hosts
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never sends a byte (no ssh banner)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(connection)  # held open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()
