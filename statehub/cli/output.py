"""Consoles and the small pieces of output every command shares."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from statehub.cli.jsonout import print_json
from statehub.fleet.names import printable

# Data goes to stdout, everything for a human to stderr, so `--json | jq` stays clean.
console = Console()
err_console = Console(stderr=True)

__all__ = ["cell", "console", "err_console", "print_json", "shown"]


def shown(text: object) -> str:
    """A name, path or message for a markup string: its control characters spelled out
    (an escape sequence in a directory name must not reach the terminal) and its square
    brackets kept from being read as rich markup."""
    return escape(printable(str(text)))


def cell(*lines: object) -> Text:
    """The same for a table cell (a Text is never read as markup), one line per argument."""
    return Text("\n".join(printable(str(line)) for line in lines))
