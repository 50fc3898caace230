#!/usr/bin/env python3
"""The entry point the runbook names: ``scripts/consistency_check.py --remote-all``.

Same options and behaviour as ``statehub sweep``; kept so existing timers and
muscle memory keep working. Run it with any ``python3`` from a checkout: it needs
State Hub's dependencies, which ``make setup`` installs into the checkout's
``.venv/``; under another interpreter it re-runs itself with that venv's Python,
and without one it says so in one line (exit status 2).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
VENV_PYTHON = CHECKOUT / ".venv" / "bin" / "python"
_REEXEC = "STATEHUB_CONSISTENCY_CHECK_REEXEC"


def _dependencies_missing() -> str | None:
    try:
        import sqlalchemy  # noqa: F401
        import typer  # noqa: F401
    except ModuleNotFoundError as exc:
        return exc.name or "a dependency"
    return None


if __name__ == "__main__":
    missing = _dependencies_missing()
    if missing is not None:
        # The marker keeps a venv that lacks them too from re-running itself forever.
        if VENV_PYTHON.exists() and os.environ.get(_REEXEC) != "1":
            os.environ[_REEXEC] = "1"
            os.execv(VENV_PYTHON, [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
        sys.stderr.write(
            f"error: {sys.executable} lacks State Hub's dependencies ({missing}); run "
            f"`make setup` in {CHECKOUT}, then call this script again\n"
        )
        sys.exit(2)
    # Run straight from a checkout without an install, as the old script was.
    sys.path.insert(0, str(CHECKOUT))
    from statehub.cli import main

    sys.argv = [sys.argv[0], "sweep", *sys.argv[1:]]
    main()
