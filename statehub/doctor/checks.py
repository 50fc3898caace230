"""What ``statehub doctor`` concludes from what it saw: pure functions, no I/O.

The probes (``probes.py``) run git, open the database and ask systemd; everything they bring
back is judged here, so each rule has a table test on captured output.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

MINIMUM_GIT = (2, 35)
_GIT_VERSION = re.compile(r"git version (\d+)\.(\d+)(?:\.(\d+))?")
# scp-like syntax: [user@]host:path, where host has no slash before the colon.
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>\[[^\]]+\]|[^:/]+):(?!//)")


@dataclass(frozen=True)
class Problem:
    """One thing that is wrong, and what to do about it."""

    check: str
    message: str
    fix: str

    def line(self) -> str:
        return f"{self.check}: {self.message} — fix: {self.fix}"


def parse_git_version(output: str) -> tuple[int, int, int] | None:
    match = _GIT_VERSION.search(output)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def check_git_version(output: str) -> Problem | None:
    version = parse_git_version(output)
    wanted = ".".join(map(str, MINIMUM_GIT))
    if version is None:
        return Problem(
            "git", f"cannot tell git's version from {output.strip()!r}", f"install git >= {wanted}"
        )
    if version[:2] < MINIMUM_GIT:
        found = ".".join(map(str, version))
        return Problem(
            "git",
            f"git {found} is older than {wanted} (the sweep reads `git status` fields it added)",
            f"install git >= {wanted}",
        )
    return None


# --- remotes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remote:
    """One remote of one registered repo."""

    repo: str
    name: str
    url: str

    @property
    def label(self) -> str:
        return f"{self.repo}/{self.name}"


class Transport(StrEnum):
    SSH = "ssh"
    HTTP = "http"
    LOCAL = "local"
    OTHER = "other"


@dataclass(frozen=True)
class Host:
    """Where a remote lives: one probe per distinct host."""

    transport: Transport
    name: str  # host[:port] for network remotes; the path itself for local ones

    def __str__(self) -> str:
        # http(s) and other schemes keep theirs in the name; a local remote is its path.
        return f"ssh://{self.name}" if self.transport is Transport.SSH else self.name


def host_of(url: str) -> Host:
    """The host a remote URL reaches, as git would read the URL."""
    if "://" in url:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        netloc = parts.netloc.rsplit("@", 1)[-1]
        if scheme == "file":
            return Host(Transport.LOCAL, url)
        if scheme in ("ssh", "git+ssh", "ssh+git"):
            return Host(Transport.SSH, netloc)
        if scheme in ("http", "https"):
            return Host(Transport.HTTP, f"{scheme}://{netloc}")
        return Host(Transport.OTHER, f"{scheme}://{netloc}")
    match = _SCP_LIKE.match(url)
    if match is not None:
        return Host(Transport.SSH, match.group("host"))
    return Host(Transport.LOCAL, url)


def group_by_host(remotes: Iterable[Remote]) -> dict[Host, list[Remote]]:
    """Remotes per host, each host's list sorted, hosts in a stable order."""
    grouped: dict[Host, list[Remote]] = {}
    for remote in remotes:
        grouped.setdefault(host_of(remote.url), []).append(remote)
    return {
        host: sorted(found, key=lambda r: (r.repo, r.name))
        for host, found in sorted(
            grouped.items(), key=lambda item: (item[0].transport, item[0].name)
        )
    }


class Failure(StrEnum):
    NO_AGENT = "no ssh agent in this environment"
    AGENT_GONE = "the ssh agent's socket does not exist"
    AUTH_REFUSED = "authentication refused"
    HOST_KEY = "host key not known or changed"
    UNREACHABLE = "host unreachable"
    TIMED_OUT = "timed out"
    NOT_FOUND = "repository not found"
    OTHER = "git failed"


_UNREACHABLE = (
    "connection refused",
    "could not resolve",
    "no route to host",
    "network is unreachable",
    "failed to connect",
    "connection timed out",
    "name or service not known",
    "temporary failure in name resolution",
    "connection reset",
    "couldn't connect to server",
)
_AUTH = (
    "permission denied",
    "authentication failed",
    "could not read username",
    "could not read password",
    "terminal prompts disabled",
    "the requested url returned error: 401",
    "the requested url returned error: 403",
    "invalid credentials",
)
_NOT_FOUND = (
    "does not appear to be a git repository",
    "repository not found",
    "not found",
    "no such file or directory",
)


def classify_failure(
    stderr: str, *, transport: Transport, timed_out: bool, agent_socket: str | None
) -> Failure:
    """Why a bounded ``git ls-remote`` failed, from git's (and ssh's) own words.

    ``agent_socket`` is ``SSH_AUTH_SOCK`` in the sweep's environment: an ssh refusal with no
    agent there is the systemd trap (the timer's service without the user's agent), so it is
    named as that rather than as a refusal the remote made up its mind about.
    """
    if timed_out:
        return Failure.TIMED_OUT
    text = stderr.lower()
    if "host key verification failed" in text or "remote host identification has changed" in text:
        return Failure.HOST_KEY
    if any(marker in text for marker in _UNREACHABLE):
        return Failure.UNREACHABLE
    if any(marker in text for marker in _AUTH):
        if transport is Transport.SSH and not agent_socket:
            return Failure.NO_AGENT
        if transport is Transport.SSH and "agent" in text and "no such file" in text:
            return Failure.AGENT_GONE
        return Failure.AUTH_REFUSED
    if any(marker in text for marker in _NOT_FOUND):
        return Failure.NOT_FOUND
    return Failure.OTHER


_FIXES = {
    Failure.NO_AGENT: "give the sweep your agent: SSH_AUTH_SOCK=<socket> in "
    "~/.config/statehub/env (both units read it; see the runbook's Install)",
    Failure.AGENT_GONE: "point SSH_AUTH_SOCK at the running agent's socket",
    Failure.AUTH_REFUSED: "give this user non-interactive credentials for the host "
    "(an ssh key in the agent, or a credential helper in ~/.gitconfig)",
    Failure.HOST_KEY: "connect once by hand (ssh HOST) and accept the host key, "
    "checking its fingerprint",
    Failure.UNREACHABLE: "check the host name, the network or VPN, and that the server runs",
    Failure.TIMED_OUT: "check the network path to the host (a firewall dropping packets?)",
    Failure.NOT_FOUND: "fix the remote's URL (git remote set-url) or remove the remote",
    Failure.OTHER: "run the same `git ls-remote` by hand to see why",
}


def remote_problem(host: Host, remotes: list[Remote], failure: Failure, detail: str) -> Problem:
    names = ", ".join(r.label for r in remotes)
    noun = "remote" if len(remotes) == 1 else "remotes"
    return Problem(
        "remotes",
        f"{host}: {failure.value} ({detail}); the sweep cannot fetch {noun} {names}",
        _FIXES[failure],
    )


# --- systemd -------------------------------------------------------------------------------


def parse_environment(value: str) -> dict[str, str]:
    """``systemctl show -p Environment --value``: space-separated ``NAME=value`` words, each
    quoted the way systemd quotes them when a value holds a space."""
    found: dict[str, str] = {}
    for word in shlex.split(value):
        name, sep, val = word.partition("=")
        if sep:
            found[name] = val
    return found


def parse_environment_file(text: str) -> dict[str, str]:
    """An ``EnvironmentFile=``: ``NAME=value`` lines, ``#`` comments, optional quotes."""
    found: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        name, _, val = line.partition("=")
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] and val[0] in "'\"":
            val = val[1:-1]
        found[name.strip()] = val
    return found


def environment_files(value: str) -> list[tuple[str, bool]]:
    """``systemctl show -p EnvironmentFiles --value``: ``PATH (ignore_errors=yes|no)`` per
    file, one per line; returns (path, optional)."""
    files = []
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        path, _, flags = line.partition(" (")
        files.append((path, "ignore_errors=yes" in flags))
    return files


def agent_problems(
    sockets: Mapping[str, str | None], *, needs_agent: bool, exists: Mapping[str, bool]
) -> list[Problem]:
    """Do the units that sweep (the timer's service and statehub.service) get the same, usable
    ``SSH_AUTH_SOCK``? ``sockets`` maps unit → its effective value; ``exists`` maps a socket
    path → whether it is there."""
    problems = []
    values = set(sockets.values())
    if len(values) > 1:
        seen = "; ".join(f"{unit} gets {value or 'none'}" for unit, value in sockets.items())
        problems.append(
            Problem(
                "units",
                f"the sweeping units get different SSH_AUTH_SOCK ({seen}): the timer's sweeps "
                "and activity-core's would fetch different parts of the fleet",
                "set SSH_AUTH_SOCK once, in ~/.config/statehub/env, which both units read; "
                "then systemctl --user restart statehub.service",
            )
        )
        return problems
    [value] = values or {None}
    if needs_agent and not value:
        units = " and ".join(sockets)
        problems.append(
            Problem(
                "units",
                f"{units} get no SSH_AUTH_SOCK, and some remotes use ssh: every ssh fetch "
                "fails under systemd",
                "add SSH_AUTH_SOCK=<your agent's socket> to ~/.config/statehub/env",
            )
        )
    elif value and not exists.get(value, False):
        problems.append(
            Problem(
                "units",
                f"the units' SSH_AUTH_SOCK={value} does not exist (agent not running?)",
                "start your ssh agent on that socket, or fix SSH_AUTH_SOCK in "
                "~/.config/statehub/env",
            )
        )
    return problems


# --- the server ----------------------------------------------------------------------------


def listens_beyond_loopback(host: str) -> bool:
    """Whether ``statehub serve --host HOST`` is reachable from other machines."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return True  # a host name: it may resolve to anything


def serve_host(exec_start: str) -> str:
    """The ``--host`` that statehub.service's ExecStart passes (serve's default otherwise)."""
    words = exec_start.split()
    for index, word in enumerate(words):
        if word == "--host" and index + 1 < len(words):
            return words[index + 1]
        if word.startswith("--host="):
            return word.split("=", 1)[1]
    return "127.0.0.1"


def token_problem(host: str, *, token_set: bool) -> Problem | None:
    if token_set or not listens_beyond_loopback(host):
        return None
    return Problem(
        "token",
        f"statehub.service listens on {host}, beyond loopback, and no token is set: "
        "anyone who can reach it can start sweeps",
        "set STATEHUB_TOKEN (or STATEHUB_TOKEN_FILE) in ~/.config/statehub/env",
    )
