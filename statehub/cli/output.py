"""Consoles and the small pieces of output every command shares."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

# Data goes to stdout, everything for a human to stderr, so `--json | jq` stays clean.
console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
