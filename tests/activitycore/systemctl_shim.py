"""A stand-in for ``systemctl --user`` where no user manager runs (containers, CI).

The runbook's systemd steps cannot run for real there, so the runbook test puts this first on
PATH as ``systemctl``. It is strict where a mistake would hide: every unit it is asked about
must have been installed (copied into ``~/.config/systemd/user/`` by the runbook's own step)
and must be one of deploy/systemd/'s files, byte for byte. ``start`` runs the unit's
ExecStart the way systemd would (Environment=, EnvironmentFile=, WorkingDirectory=, %h);
timers are only marked active (nobody waits 15 minutes in a test); units named in
SYSTEMCTL_SHIM_DELEGATED are run by the test itself (State Hub on a free port, because 8000
may be taken), and are only marked. State and a log of calls go to ~/.systemctl-shim/.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.deploy.units import UNITS, parse  # noqa: E402

HOME = Path(os.environ["HOME"])
INSTALLED = HOME / ".config" / "systemd" / "user"
STATE_DIR = HOME / ".systemctl-shim"
STATE = STATE_DIR / "state.json"


def _load() -> dict:
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    for key, empty in (("enabled", []), ("active", []), ("pids", {}), ("calls", []),
                       ("manager_env", {})):  # fmt: skip
        state.setdefault(key, empty)
    return state


def _save(state: dict) -> None:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2))


def _unit(name: str) -> Path:
    installed = INSTALLED / name
    if not installed.is_file():
        sys.exit(f"Failed: Unit {name} not found (not installed in {INSTALLED}).")
    shipped = UNITS / name
    if not shipped.is_file() or shipped.read_bytes() != installed.read_bytes():
        sys.exit(f"Failed: {installed} is not deploy/systemd/{name} as shipped.")
    return installed


def _environment(unit: dict) -> dict[str, str]:
    env = dict(os.environ)
    for assignment in unit.get("Environment", []):
        for item in shlex.split(assignment.replace("%h", str(HOME))):
            key, _, value = item.partition("=")
            env[key] = value
    for entry in unit.get("EnvironmentFile", []):
        optional = entry.startswith("-")
        path = Path(entry.lstrip("-").replace("%h", str(HOME)))
        if not path.exists():
            if optional:
                continue
            sys.exit(f"Failed: EnvironmentFile {path} does not exist.")
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                env[key.strip()] = value.strip()
    return env


def _start(state: dict, name: str, *, block: bool) -> int:
    path = _unit(name)
    if name in state["active"] and name in state["pids"]:
        return 0
    if name.endswith(".timer") or name in os.environ.get("SYSTEMCTL_SHIM_DELEGATED", "").split():
        state["active"] = sorted({*state["active"], name})
        return 0
    service = parse(path)["Service"]
    env = _environment(service)
    [command] = service["ExecStart"]
    argv = [
        re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], a)
        for a in shlex.split(command.replace("%h", str(HOME)))
    ]
    cwd = service.get("WorkingDirectory", [str(HOME)])[0].replace("%h", str(HOME))
    log = (STATE_DIR / f"{name}.log").open("ab")
    oneshot = service.get("Type", ["simple"])[0] == "oneshot"
    if oneshot and block:
        return subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                              stderr=subprocess.STDOUT, check=False).returncode  # fmt: skip
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    state["pids"][name] = process.pid
    if not oneshot:
        state["active"] = sorted({*state["active"], name})
    return 0


def _stop(state: dict, name: str) -> None:
    _unit(name)
    pid = state["pids"].pop(name, None)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    state["active"] = [u for u in state["active"] if u != name]


def _show(state: dict, rest: list[str]) -> int:
    """``show -p PROP [--value] UNIT``: Environment= and EnvironmentFiles= as systemd prints
    them, from the installed unit."""
    props = [rest[i + 1] for i, a in enumerate(rest) if a == "-p" and i + 1 < len(rest)]
    value_only = "--value" in rest
    names = [a for i, a in enumerate(rest) if not a.startswith("-") and rest[i - 1] != "-p"]
    for name in names:
        service = parse(_unit(name)).get("Service", {})
        for prop in props:
            if prop == "Environment":
                words = []
                for assignment in service.get("Environment", []):
                    words.extend(shlex.split(assignment.replace("%h", str(HOME))))
                value = " ".join(shlex.quote(w) for w in words)
            elif prop == "EnvironmentFiles":
                files = []
                for entry in service.get("EnvironmentFile", []):
                    path = entry.lstrip("-").replace("%h", str(HOME))
                    files.append(
                        f"{path} (ignore_errors={'yes' if entry.startswith('-') else 'no'})"
                    )
                value = "\n".join(files)
            else:
                sys.exit(f"systemctl shim: show -p {prop} is not something State Hub asks")
            print(value if value_only else f"{prop}={value}")
    return 0


def _manager_environment(state: dict, verb: str, names: list[str]) -> None:
    """The user manager's own environment, which every user service inherits."""
    env = state["manager_env"]
    if verb == "show-environment":
        for key, value in sorted(env.items()):
            print(f"{key}={value}")
    elif verb == "import-environment":
        env.update({n: os.environ[n] for n in names if n in os.environ})
    elif verb == "set-environment":
        env.update(dict(n.split("=", 1) for n in names))
    elif verb == "unset-environment":
        for name in names:
            env.pop(name, None)


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "--user":
        sys.exit("systemctl shim: the runbook uses user units only (systemctl --user …)")
    verb, *rest = argv[1:]
    now = "--now" in rest
    block = "--no-block" not in rest
    names = [a for a in rest if not a.startswith("--")]
    state = _load()
    state["calls"].append(argv)
    status = 0
    if verb == "daemon-reload":
        for path in sorted(INSTALLED.glob("*")):
            _unit(path.name)
    elif verb == "enable":
        for name in names:
            _unit(name)
            state["enabled"] = sorted({*state["enabled"], name})
        for name in names if now else []:
            status = status or _start(state, name, block=block)
    elif verb == "disable":
        for name in names:
            _unit(name)
            state["enabled"] = [u for u in state["enabled"] if u != name]
        for name in names if now else []:
            _stop(state, name)
    elif verb == "start":
        for name in names:
            status = status or _start(state, name, block=block)
    elif verb == "stop":
        for name in names:
            _stop(state, name)
    elif verb == "show":
        status = _show(state, rest)
    elif verb in ("show-environment", "import-environment", "set-environment",
                  "unset-environment"):  # fmt: skip
        _manager_environment(state, verb, names)
    elif verb in ("list-timers", "status", "is-active", "is-enabled"):
        for name in names or [u for u in state["active"] if u.endswith(".timer")]:
            _unit(name)
            active = name in state["active"]
            enabled = name in state["enabled"]
            print(f"{name}: {'active' if active else 'inactive'}, "
                  f"{'enabled' if enabled else 'disabled'} (systemctl shim)")  # fmt: skip
            if verb in ("status", "is-active") and not active:
                status = 3
            if verb == "is-enabled" and not enabled:
                status = 1
    else:
        sys.exit(f"systemctl shim: {verb!r} is not something the runbook does")
    _save(state)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
