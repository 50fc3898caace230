#!/usr/bin/env python3
"""The entry point the runbook names: ``scripts/consistency_check.py --remote-all``.

Same options and behaviour as ``statehub sweep``; kept so existing timers and
muscle memory keep working.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run straight from a checkout without an install, as the old script was.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from statehub.cli import main

if __name__ == "__main__":
    sys.argv = [sys.argv[0], "sweep", *sys.argv[1:]]
    main()
