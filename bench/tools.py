"""The bench's own tools (gita, py-spy, pyinstrument), in a venv under the work dir.

They are what we compare against and profile with, not State Hub's dependencies: kept out of
pyproject and out of the project's venv. Installed on first use with pip.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REQUIREMENTS = ("gita==0.16.8.2", "py-spy==0.4.3", "pyinstrument==5.1.3")


class ToolsUnavailable(RuntimeError):
    pass


def tools_venv(work: Path) -> Path:
    """The venv's bin directory, created and filled when missing or out of date."""
    venv = work / "tools"
    stamp = venv / ".requirements"
    wanted = "\n".join(REQUIREMENTS)
    if not (stamp.exists() and stamp.read_text() == wanted):
        try:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *REQUIREMENTS],
                check=True,
                timeout=600,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise ToolsUnavailable(f"cannot install {', '.join(REQUIREMENTS)}: {exc}") from exc
        stamp.write_text(wanted)
    return venv / "bin"
