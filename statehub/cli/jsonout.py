"""The ``--json`` output every command shares, apart from the consoles: printing a document
must not import rich (the timer's ``sweep --json`` never draws anything)."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
