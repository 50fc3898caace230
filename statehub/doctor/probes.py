"""The doctor's probes: each looks at one thing (git, the home, the database, the remotes,
systemd) and hands back what it saw. Nothing here changes anything: no directory is created,
no lock taken, no schema migrated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlstore.urls import describe_url, normalize_url
from statehub.config import load_fleet_config
from statehub.doctor.checks import Failure, Host, Remote, classify_failure
from statehub.errors import StateHubError
from statehub.git.runner import GitTimeout, run_git
from statehub.store import Store
from statehub.store.repos import list_repos

# A probe of one host: long enough for a slow TLS handshake, short enough that a doctor with
# a dead VPN answers in seconds, not the sweep's two minutes.
DEFAULT_REMOTE_TIMEOUT = 15.0
MAX_PARALLEL_PROBES = 16
SYSTEMCTL_TIMEOUT = 10.0


def git_version(env: dict[str, str]) -> str:
    try:
        done = run_git(["--version"], cwd="/", timeout=10, env=env)
    except (OSError, GitTimeout) as exc:
        return f"cannot run git: {exc}"
    return done.stdout.decode("utf-8", "replace") if done.ok else done.error_line()


def writable_dir_problem(path: Path) -> str | None:
    """Why State Hub could not keep its files in ``path`` (which may not exist yet), or None."""
    if path.exists():
        if not path.is_dir():
            return f"{path} exists but is not a directory"
        if not os.access(path, os.W_OK | os.X_OK):
            return f"{path} is not writable by this user"
        return None
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{path} cannot be created: {ancestor} is not a directory"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"{path} cannot be created: {ancestor} is not writable by this user"
    return None


def lock_problem(lock: Path) -> str | None:
    """Why the sweep could not take its lock file, judged without taking the lock."""
    if not lock.exists():
        return None  # created by the first sweep; the home's check covers the directory
    if not lock.is_file():
        return f"{lock} exists but is not a regular file"
    if not os.access(lock, os.R_OK | os.W_OK):
        return f"{lock} is not readable and writable by this user"
    return None


def database_name(url: str) -> str:
    try:
        return describe_url(normalize_url(url, Store.errors))
    except StateHubError as exc:
        return f"(unusable: {exc})"


def open_database(url: str) -> tuple[Store | None, str | None]:
    """The store, opened without migrating (a doctor changes nothing), or why not.

    A SQLite file that does not exist yet is no problem: the first sweep creates it.
    """
    try:
        parsed = normalize_url(url, Store.errors)
    except StateHubError as exc:
        return None, str(exc)
    sqlite_file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if sqlite_file and not Path(sqlite_file).exists():
        return None, None
    try:
        return Store.open(url, migrate=False), None
    except StateHubError as exc:
        return None, str(exc)


def config_problems(config_file: Path | None) -> list[str]:
    if config_file is None:
        return []
    try:
        config = load_fleet_config(config_file)
    except StateHubError as exc:
        return [str(exc)]
    missing = [root for root in config.discover if not Path(root).expanduser().is_dir()]
    return [
        f"{config_file}: discover root {root} is not a directory (unmounted disk?)"
        for root in missing
    ]


def registered_remotes(store: Store, env: dict[str, str], timeout: float) -> list[Remote]:
    """Every remote of every registered repo that exists, read from its git config."""
    with store.reading() as db:
        repos = [(r.name, r.path) for r in list_repos(db)]
    remotes: list[Remote] = []
    for name, path in repos:
        if not Path(path).is_dir():
            continue  # the sweep reports it as missing; it has no remote to reach
        try:
            done = run_git(
                ["config", "--null", "--get-regexp", r"^remote\..*\.url$"],
                cwd=path,
                timeout=timeout,
                env=env,
            )
        except (OSError, GitTimeout):
            continue  # an unreadable repo is the sweep's `errors`, not a remote problem
        for entry in done.stdout.decode("utf-8", "replace").split("\0"):
            key, _, url = entry.partition("\n")
            if key.startswith("remote.") and key.endswith(".url") and url:
                remotes.append(Remote(repo=name, name=key[len("remote.") : -len(".url")], url=url))
    return remotes


@dataclass(frozen=True)
class HostProbe:
    host: Host
    ok: bool
    failure: Failure | None = None
    detail: str = ""


def probe_hosts(
    by_host: Mapping[Host, Sequence[Remote]], env: dict[str, str], timeout: float
) -> list[HostProbe]:
    """One bounded ``git ls-remote`` per host, all at once, in the sweep's environment."""
    if not by_host:
        return []
    workers = min(MAX_PARALLEL_PROBES, len(by_host))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="doctor-probe") as pool:
        futures = [
            pool.submit(_probe_one, host, remotes[0], env, timeout)
            for host, remotes in by_host.items()
        ]
        return [future.result() for future in futures]


def _probe_one(host: Host, remote: Remote, env: dict[str, str], timeout: float) -> HostProbe:
    if remote.url.startswith("-"):
        # git would read it as an option (--upload-pack=…): never pass it on.
        return HostProbe(host, False, Failure.OTHER, f"URL {remote.url!r} looks like an option")
    try:
        # From "/", not the repo: only the user's own config applies, as it should for a
        # probe, and no repo-named program can run.
        done = run_git(
            ["ls-remote", "--heads", "--", remote.url], cwd="/", timeout=timeout, env=env
        )
    except GitTimeout:
        return HostProbe(
            host, False, Failure.TIMED_OUT, f"no answer within {timeout:g}s to git ls-remote"
        )
    except OSError as exc:
        return HostProbe(host, False, Failure.OTHER, f"cannot run git: {exc}")
    if done.ok:
        return HostProbe(host, True)
    failure = classify_failure(
        done.stderr,
        transport=host.transport,
        timed_out=False,
        agent_socket=env.get("SSH_AUTH_SOCK"),
    )
    return HostProbe(host, False, failure, _telling_line(done.stderr) or done.error_line())


def _telling_line(stderr: str) -> str:
    """ssh's own complaint beats git's generic "Could not read from remote repository"."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        lowered = line.lower()
        if line.startswith("ssh:") or "permission denied" in lowered or "host key" in lowered:
            return line
    return lines[0] if lines else ""


# --- systemd -------------------------------------------------------------------------------


class SystemctlMissing(Exception):
    """No ``systemctl`` to ask."""


@dataclass
class Systemctl:
    """``systemctl --user``, bounded, its failures returned rather than raised."""

    binary: str

    @classmethod
    def find(cls, env: Mapping[str, str]) -> Systemctl:
        binary = shutil.which("systemctl", path=env.get("PATH"))
        if binary is None:
            raise SystemctlMissing("systemctl is not on PATH")
        return cls(binary)

    def run(self, *args: str) -> tuple[int, str]:
        try:
            done = subprocess.run(
                [self.binary, "--user", *args],
                capture_output=True,
                text=True,
                timeout=SYSTEMCTL_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return 1, str(exc)
        return done.returncode, (done.stdout if done.returncode == 0 else done.stderr).strip()

    def is_enabled(self, unit: str) -> bool:
        code, output = self.run("is-enabled", unit)
        return code == 0 and output.split()[0:1] != ["disabled"]

    def show(self, unit: str, prop: str) -> str:
        code, output = self.run("show", "-p", prop, "--value", unit)
        return output if code == 0 else ""

    def manager_environment(self) -> str:
        code, output = self.run("show-environment")
        return output if code == 0 else ""
