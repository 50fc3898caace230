"""``diagnose``: run every probe, judge what they saw, and gather one report."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from statehub.doctor import probes
from statehub.doctor.checks import (
    Problem,
    Transport,
    agent_problems,
    check_git_version,
    environment_files,
    group_by_host,
    parse_environment,
    parse_environment_file,
    remote_problem,
    serve_host,
    token_problem,
)
from statehub.doctor.report import DoctorReport
from statehub.errors import ConfigError
from statehub.git.runner import git_environment
from statehub.settings import Settings

# The units the runbook installs on the workstation; the two that sweep must agree on the agent.
SERVER_UNIT = "statehub.service"
TIMER_SERVICE = "custodian-sync.service"
TIMER = "custodian-sync.timer"
BRIDGE_UNIT = "state-hub-bridge.service"
UNITS = (SERVER_UNIT, TIMER_SERVICE, TIMER, BRIDGE_UNIT)
MUST_BE_ENABLED = (SERVER_UNIT, BRIDGE_UNIT)
SWEEPING_UNITS = (TIMER_SERVICE, SERVER_UNIT)


@dataclass(frozen=True)
class DoctorOptions:
    remote_timeout: float = probes.DEFAULT_REMOTE_TIMEOUT
    units: bool = True


def unit_directory(env: Mapping[str, str]) -> Path:
    config = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(config) / "systemd" / "user"


def diagnose(settings: Settings, options: DoctorOptions) -> DoctorReport:
    env = git_environment()
    report = DoctorReport()
    report.looked_at = {
        "home": str(settings.home),
        "database": probes.database_name(settings.resolved_database_url),
        "config_file": str(settings.resolved_config_file)
        if settings.resolved_config_file
        else None,
        "lock": str(settings.lock_path),
        "units": str(unit_directory(os.environ)) if options.units else None,
    }
    _git(report, env)
    _home_and_lock(report, settings)
    _config(report, settings)
    needs_agent = _database_and_remotes(report, settings, env, options.remote_timeout)
    if options.units:
        _units(report, unit_directory(os.environ), needs_agent=needs_agent)
    _token(report, settings, unit_directory(os.environ) if options.units else None)
    return report


def _git(report: DoctorReport, env: dict[str, str]) -> None:
    output = probes.git_version(env)
    problem = check_git_version(output)
    report.record("git", [problem] if problem else [], output.strip())


def _home_and_lock(report: DoctorReport, settings: Settings) -> None:
    why = probes.writable_dir_problem(settings.home)
    fix = "set STATEHUB_HOME to a directory this user can write (or fix its permissions)"
    report.record("home", [Problem("home", why, fix)] if why else [], f"{settings.home} usable")
    why = probes.lock_problem(settings.lock_path)
    fix = f"remove {settings.lock_path} (no sweep holds it: the lock dies with its holder)"
    report.record("lock", [Problem("lock", why, fix)] if why else [], "usable")


def _config(report: DoctorReport, settings: Settings) -> None:
    path = settings.resolved_config_file
    found = probes.config_problems(path)
    fix = "edit the config file at the line named (README: Fleet config file)"
    problems = [Problem("config", message, fix) for message in found]
    report.record("config", problems, f"{path} valid" if path else "no config file (registry only)")


def _database_and_remotes(
    report: DoctorReport, settings: Settings, env: dict[str, str], timeout: float
) -> bool:
    """The database and, through its registry, the remotes; whether any remote uses ssh."""
    store, why = probes.open_database(settings.resolved_database_url)
    if why is not None:
        fix = (
            "check STATEHUB_DATABASE_URL and that the server runs; a schema behind is brought "
            "to date by the next sweep or `statehub serve`"
        )
        report.failed(Problem("database", why, fix))
        return False
    if store is None:
        report.passed("database", "not created yet (the first sweep creates it); no repos")
        return False
    try:
        store.ping()
        remotes = probes.registered_remotes(store, env, timeout)
    finally:
        store.dispose()
    report.passed("database", "reachable, schema current")
    by_host = group_by_host(remotes)
    results = probes.probe_hosts(by_host, env, timeout)
    problems = [
        remote_problem(result.host, list(by_host[result.host]), result.failure, result.detail)
        for result in results
        if not result.ok and result.failure is not None
    ]
    summary = f"{len(remotes)} remotes on {len(by_host)} hosts, each answered git ls-remote"
    report.record("remotes", problems, summary)
    return any(host.transport is Transport.SSH for host in by_host)


def _units(report: DoctorReport, directory: Path, *, needs_agent: bool) -> None:
    try:
        systemctl = probes.Systemctl.find(os.environ)
    except probes.SystemctlMissing as exc:
        fix = "run on the workstation's own session, or pass --no-units where systemd is absent"
        report.failed(Problem("units", str(exc), fix))
        return
    problems = []
    missing = [unit for unit in UNITS if not (directory / unit).is_file()]
    if missing:
        problems.append(
            Problem(
                "units",
                f"not installed in {directory}: {', '.join(missing)}",
                "copy them from deploy/systemd/ (runbook: Install)",
            )
        )
    disabled = [u for u in MUST_BE_ENABLED if u not in missing and not systemctl.is_enabled(u)]
    if disabled:
        problems.append(
            Problem(
                "units",
                f"not enabled: {', '.join(disabled)}",
                f"systemctl --user enable --now {' '.join(disabled)}",
            )
        )
    if not missing:
        problems.extend(_agent(systemctl, needs_agent=needs_agent))
    timer = "enabled" if TIMER not in missing and systemctl.is_enabled(TIMER) else "disabled"
    report.record("units", problems, f"installed and enabled; {TIMER} {timer}")


def _agent(systemctl: probes.Systemctl, *, needs_agent: bool) -> list[Problem]:
    """What SSH_AUTH_SOCK each sweeping unit gets, as systemd composes it: the manager's
    environment, then Environment=, then EnvironmentFile= (which wins)."""
    manager = parse_environment_file(systemctl.manager_environment())
    sockets: dict[str, str | None] = {}
    for unit in SWEEPING_UNITS:
        env = dict(manager)
        env.update(parse_environment(systemctl.show(unit, "Environment")))
        for path, _optional in environment_files(systemctl.show(unit, "EnvironmentFiles")):
            try:
                env.update(parse_environment_file(Path(path).read_text(encoding="utf-8")))
            except OSError:
                continue  # systemd refuses to start a unit whose required file is missing
        sockets[unit] = env.get("SSH_AUTH_SOCK") or None
    exists = {value: Path(value).exists() for value in sockets.values() if value}
    return agent_problems(sockets, needs_agent=needs_agent, exists=exists)


def _token(report: DoctorReport, settings: Settings, directory: Path | None) -> None:
    try:
        token_set = settings.api_token() is not None
    except ConfigError as exc:
        fix = "make the file readable and non-empty, or set STATEHUB_TOKEN instead"
        report.failed(Problem("token", str(exc), fix))
        return
    unit = directory / SERVER_UNIT if directory is not None else None
    if unit is None or not unit.is_file():
        report.passed("token", "set" if token_set else "not set (serve on loopback)")
        return
    exec_start = next(
        (
            line.split("=", 1)[1]
            for line in unit.read_text().splitlines()
            if line.startswith("ExecStart=")
        ),
        "",
    )
    host = serve_host(exec_start)
    problem = token_problem(host, token_set=token_set)
    summary = f"{SERVER_UNIT} listens on {host}; token {'set' if token_set else 'unset'}"
    report.record("token", [problem] if problem else [], summary)
