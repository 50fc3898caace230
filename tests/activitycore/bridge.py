"""The bridge test's plumbing: a network namespace for the workstation, an sshd of the test's
own for the cluster host, and the reverse tunnel state-hub-bridge.service describes."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

from testing.processes import stop_process

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
TOOLS = {
    "ip": shutil.which("ip"),
    "ssh": shutil.which("ssh"),
    "ssh-keygen": shutil.which("ssh-keygen"),
}


def why_not() -> str | None:
    """Why this machine cannot run the bridge test, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add); run the suite as root, as CI does"
    missing = [name for name, path in TOOLS.items() if path is None]
    if not Path(SSHD).exists():
        missing.append("sshd")
    if missing:
        return f"missing {', '.join(missing)} (Debian: iproute2 openssh-client openssh-server)"
    probe = f"shb-probe-{secrets.token_hex(3)}"
    done = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if done.returncode != 0:
        return f"cannot create a network namespace here: {done.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, text=True, timeout=30)


class Namespace:
    """A namespace joined to this one by a veth pair on a /30 of its own (10.213.x.0/30)."""

    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        self.name = f"shb-{tag}"
        self.host_if, self.ns_if = f"vh{tag}", f"vn{tag}"
        third = secrets.randbelow(256)
        self.host_ip, self.ns_ip = f"10.213.{third}.1", f"10.213.{third}.2"

    def __enter__(self) -> Namespace:
        run("ip", "netns", "add", self.name)
        try:
            run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            run("ip", "link", "set", self.ns_if, "netns", self.name)
            run("ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            run("ip", "link", "set", self.host_if, "up")
            self.exec_run("ip", "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if)
            self.exec_run("ip", "link", "set", self.ns_if, "up")
            self.exec_run("ip", "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        # Deleting the namespace deletes its end of the pair, and with it ours.
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True)

    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def exec_run(self, *argv: str) -> None:
        run(*self.prefix(), *argv)


class Sshd:
    """sshd on ``address:port`` with its own host key, accepting one key that may only open
    the one remote forward ``127.0.0.1:listen_port`` (the bridge's end)."""

    def __init__(self, directory: Path, address: str, port: int, listen_port: int) -> None:
        self.directory = directory
        self.address, self.port = address, port
        directory.mkdir(mode=0o700)
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(directory / "host_key"))
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(directory / "client_key"))
        client = (directory / "client_key.pub").read_text().strip()
        # restrict: no shell, no pty, no forwarding — then only this one remote listen.
        (directory / "authorized_keys").write_text(
            f'restrict,port-forwarding,permitlisten="127.0.0.1:{listen_port}" {client}\n'
        )
        host = (directory / "host_key.pub").read_text().split()
        (directory / "known_hosts").write_text(f"[{address}]:{port} {host[0]} {host[1]}\n")
        (directory / "sshd_config").write_text(
            f"Port {port}\nListenAddress {address}\nHostKey {directory / 'host_key'}\n"
            f"PidFile {directory / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {directory / 'authorized_keys'}\n"
            "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
            "AllowTcpForwarding remote\nGatewayPorts no\nX11Forwarding no\nPermitTTY no\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def client_options(self) -> list[str]:
        return [
            "-F", "/dev/null",
            "-i", str(self.directory / "client_key"),
            "-p", str(self.port),
            "-o", f"UserKnownHostsFile={self.directory / 'known_hosts'}",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "IdentitiesOnly=yes",
        ]  # fmt: skip

    def __enter__(self) -> Sshd:
        # Debian's sshd wants its privilege-separation directory.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        log = (self.directory / "sshd.log").open("wb")
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.directory / "sshd_config")],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection((self.address, self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"sshd did not start: {self.log()}") from None
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        stop_process(self.process)

    def log(self) -> str:
        return (self.directory / "sshd.log").read_text(errors="replace")
