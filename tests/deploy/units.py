"""Read the systemd units in deploy/systemd/ the way systemd does (enough of it for tests)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
# Where the units expect the checkouts, relative to %h (the user's home).
EXECUTABLES = {
    "state-hub/.venv/bin/statehub": ROOT / ".venv" / "bin" / "statehub",
    "activity-core/.venv/bin/activity-core": ROOT / ".venv" / "bin" / "activity-core",
}


def unit_files() -> list[Path]:
    return sorted(p for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))


def parse(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections → keys → values (a key may repeat, as Environment= does)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path}: {raw!r} outside a section"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def value(path: Path, section: str, key: str) -> str:
    [found] = parse(path)[section][key]
    return found


def fake_home(home: Path) -> Path:
    """A home laid out as the units expect: the checkouts' executables and env files."""
    for relative, target in EXECUTABLES.items():
        link = home / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(target)
    (home / "activity-core").mkdir(exist_ok=True)
    for env_file in (
        ".config/statehub/env",
        ".config/statehub/bridge.env",
        ".config/activity-core/env",
    ):
        (home / env_file).parent.mkdir(parents=True, exist_ok=True)
        (home / env_file).touch()
    return home


def exec_start(path: Path, home: Path, environment: dict[str, str] | None = None) -> list[str]:
    """ExecStart as argv: %h is ``home``, and ${VAR} comes from ``environment`` as systemd
    takes it from EnvironmentFile= (a whole-word ${VAR}, which is all these units use)."""
    env = environment or {}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise KeyError(f"{path.name}: ExecStart needs {name}")
        return env[name]

    command = value(path, "Service", "ExecStart").replace("%h", str(home))
    return [re.sub(r"\$\{(\w+)\}", substitute, arg) for arg in shlex.split(command)]
