"""Durations as an operator types them — ``15m``, ``2h``, ``7d`` — in one grammar.

State Hub's ``statehub cadence`` options, its ``GET /consistency/cadence`` query and
activity-core's ``activity-core cadence`` options all read durations here, so the three
accept and refuse the same text with the same message. Pure, standard library only:
both services may import it and it imports neither (an import-linter contract keeps it so).

The grammar: optional blanks, a whole number from 1 to 999999 without a leading zero,
optional blanks, one unit (``s``, ``m``, ``h``, ``d``, ``w``), optional blanks. Six digits
are more than any window or slot needs (999999w is ~19,000 years) and keep every value
inside ``datetime``'s range, so no caller meets an overflow.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["DurationError", "format_duration", "parse_duration"]

_GRAMMAR = re.compile(r"^\s*([1-9][0-9]{0,5})\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class DurationError(ValueError):
    """Text that is not a duration; the message quotes it and says what one looks like."""


def parse_duration(text: str) -> timedelta:
    """``"7d"``, ``"15m"``, ``"90s"``, ``" 2h "``, ``"1w"`` → a positive timedelta."""
    match = _GRAMMAR.match(text)
    if match is None:
        raise DurationError(
            f"{text!r} is not a duration like 15m, 2h, 7d "
            "(a whole number from 1 to 999999, then s, m, h, d or w)"
        )
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def format_duration(delta: timedelta) -> str:
    """The shortest spelling in the largest whole unit: 900 s → ``15m``, 7 days → ``1w``."""
    seconds = int(delta.total_seconds())
    for unit in ("w", "d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"
