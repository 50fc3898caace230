"""Names and paths that are safe to print. Pure.

A repo's name comes from a directory's name, which may hold any byte but ``/`` and NUL:
an escape sequence in one (``\\x1b[2J``) would clear the operator's screen each time a
table listed it, and a bidi override would print it backwards. ``printable`` spells
every such character as its Python escape, so what is shown is what is there, inertly.
"""

from __future__ import annotations


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` a terminal or page would not show as themselves."""
    # str.isprintable is false for controls (C0, DEL, C1), line and paragraph separators
    # and format characters such as U+202E; a plain space is the one separator it allows.
    return [ch for ch in text if not ch.isprintable()]


def printable(text: str) -> str:
    """``text`` with each unprintable character spelled as its escape (``\\x1b``)."""
    if text.isprintable():  # the common case costs one scan
        return text
    return "".join(ch if ch.isprintable() else _escaped(ch) for ch in text)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a repo's name, or None when it can."""
    if not name.strip():
        return "it is empty"
    bad = unprintable(name)
    if bad:
        shown = ", ".join(sorted({_escaped(ch) for ch in bad}))
        return f"it holds control or invisible characters ({shown})"
    return None


def shorten(text: str, keep: int = 40) -> str:
    """A long name with its middle elided: both its start and its end tell repos apart."""
    if len(text) <= keep:
        return text
    head = (keep - 1) // 2
    return text[:head] + "\u2026" + text[len(text) - (keep - 1 - head) :]
