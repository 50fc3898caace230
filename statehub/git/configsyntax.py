"""git's config file syntax, parsed without git (pure).

Follows ``config.c`` (git 2.39): ``[section]``, ``[section "subsection"]`` and the old
``[section.subsection]``; case-insensitive section and key names, case-sensitive
subsections; ``#``/``;`` comments; double quotes; the escapes ``\\n \\t \\b \\\\ \\"``;
a backslash before a newline continues the value; a key with no ``=`` is a valueless boolean
(``None``). Whitespace outside quotes is kept inside a value (one space per character) and
dropped at its ends, as git does. A key may follow the section header on the same line.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple


class ConfigSyntaxError(ValueError):
    """A line git itself would refuse ("bad config line N")."""


class RawEntry(NamedTuple):
    """One ``key = value`` as written: ``key`` is ``section[.subsection].name``, with the
    section and name lower-cased as git canonicalises them; ``parts`` is the key split so."""

    key: str
    value: str | None
    line: int
    parts: tuple[str, str | None, str]


_new = tuple.__new__
_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "\\": "\\", '"': '"'}


class _Reader:
    def __init__(self, text: str) -> None:
        # git skips a UTF-8 byte order mark and reads CRLF as LF.
        self.text = text.removeprefix("\ufeff").replace("\r\n", "\n")
        self.pos = 0
        self.line = 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        if char:
            self.pos += 1
            if char == "\n":
                self.line += 1
        return char

    def error(self) -> ConfigSyntaxError:
        return ConfigSyntaxError(f"bad config line {self.line}")

    def skip_to_line_end(self) -> None:
        while (char := self.take()) and char != "\n":
            pass


def _is_name_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "-")


def _section_header(reader: _Reader) -> str:
    """After ``[``: the canonical section prefix, e.g. ``remote.origin`` or ``core``."""
    name: list[str] = []
    while True:
        char = reader.take()
        if char == "]":
            if not name:
                raise reader.error()
            return "".join(name).lower()
        if char in (" ", "\t"):
            return _subsection(reader, "".join(name).lower())
        if not (_is_name_char(char) or char == "."):
            raise reader.error()
        name.append(char)


def _subsection(reader: _Reader, section: str) -> str:
    """``[section "sub"]``: the subsection keeps its case; ``\\x`` is ``x``."""
    while (char := reader.take()) in (" ", "\t"):
        pass
    if char != '"' or not section:
        raise reader.error()
    sub = []
    while True:
        char = reader.take()
        if char in ("", "\n"):
            raise reader.error()
        if char == '"':
            break
        if char == "\\":
            char = reader.take()
            if char in ("", "\n"):
                raise reader.error()
        sub.append(char)
    if reader.take() != "]":
        raise reader.error()
    return f"{section}.{''.join(sub)}"


def _value(reader: _Reader) -> str:
    out: list[str] = []  # characters only: "is the value still empty" is ``not out``
    pending_space = 0
    quoted = False
    comment = False
    while True:
        char = reader.take()
        if char in ("", "\n"):
            if quoted:
                raise reader.error()
            return "".join(out)
        if comment:
            continue
        if char.isspace() and not quoted:
            if out:
                pending_space += 1
            continue
        if not quoted and char in "#;":
            comment = True
            continue
        out.extend(" " * pending_space)
        pending_space = 0
        if char == "\\":
            char = reader.take()
            if char == "\n":
                continue  # a continuation line
            if char not in _ESCAPES:
                raise reader.error()
            out.append(_ESCAPES[char])
        elif char == '"':
            quoted = not quoted
        else:
            out.append(char)


def _entry(reader: _Reader, section: str | None) -> RawEntry:
    line = reader.line
    name = []
    while _is_name_char(reader.peek()):
        name.append(reader.take())
    if not name or not name[0].isalpha():
        raise reader.error()
    while reader.peek() in (" ", "\t"):
        reader.take()
    leaf = "".join(name).lower()
    key = leaf if section is None else f"{section}.{leaf}"  # git reads a sectionless key
    parts = split_key(key)
    char = reader.peek()
    if char in ("", "\n"):
        reader.take()
        return RawEntry(key, None, line, parts)
    if char != "=":  # git refuses even a comment here
        raise reader.error()
    reader.take()
    return RawEntry(key, _value(reader), line, parts)


# The lines nearly every real config file is made of, read with one regex each: a sweep reads
# a config per repo, and the character-by-character reader costs ten times as much. A value
# may be one quoted string without escapes (git writes a path with spaces, "#" or ";" so):
# inside the quotes git keeps every character as it is. A file with any other line (escapes,
# a quote that is not the whole value, comments after a value…) takes the full reader. A
# line met before (most of a fleet's: [core], bare = false, the default refspec…) is read
# from a cache: a line's reading does not depend on the lines around it.
_VALUE = r"[^\"\\\\#;\s](?:[^\"\\\\#;\t\n\r\v\f]*[^\"\\\\#;\s])?"
_QUOTED = r"\"([^\"\\\\\n]*)\""  # "…": no quote, backslash or newline inside
_SIMPLE_LINE = re.compile(
    r"[ \t]*(?:"
    r"\[([A-Za-z0-9.-]+)(?:[ \t]+\"([^\"\\\\\n]*)\")?\]"  # [section] or [section "sub"]
    rf"|([A-Za-z][A-Za-z0-9-]*)[ \t]*(=[ \t]*(?:({_VALUE})|{_QUOTED})?[ \t]*)?"  # key, key = value
    r"|[#;].*"  # a comment
    r")?[ \t]*"
)


class _Header(NamedTuple):
    prefix: str  # "<section>[.<subsection>]." of the entries that follow
    section: str
    sub: str | None


class _Pair(NamedTuple):
    leaf: str  # the key's name, lower-cased
    value: str | None


@functools.lru_cache(maxsize=4096)  # a fleet's configs share most of their lines
def _simple_line(line: str) -> _Header | _Pair | bool:
    """One line of a simple file; True for a blank or comment line, False for any other."""
    match = _SIMPLE_LINE.fullmatch(line)
    if match is None:
        return False
    name, sub, key, equals, value, quoted = match.groups()
    if key is not None:
        if equals is None:
            return _Pair(key.lower(), None)
        return _Pair(key.lower(), value if value is not None else quoted or "")
    if name is None:
        return True
    if sub is not None and "." in name:
        return False  # [a.b "c"]: leave the odd case to the full reader
    section = name.lower() if sub is None else f"{name.lower()}.{sub}"
    head, dot, rest = section.partition(".")
    split = (section, None) if sub is None and not dot else (head, sub or rest)
    return _Header(f"{section}.", *split)


def _parse_simple(text: str) -> list[RawEntry] | None:
    entries: list[RawEntry] = []
    append = entries.append
    prefix: str | None = None  # "<section>[.<subsection>]." of the entries that follow
    section, sub = "", None
    for number, line in enumerate(text.split("\n"), 1):
        read = _simple_line(line)
        if type(read) is _Pair:
            if prefix is None:
                return None
            leaf, value = read
            # tuple.__new__: the namedtuple without its Python-level constructor (a config
            # has dozens of entries, read every sweep).
            append(_new(RawEntry, (prefix + leaf, value, number, (section, sub, leaf))))
        elif type(read) is _Header:
            prefix, section, sub = read
        elif not read:
            return None
    return entries


def parse_config(text: str) -> list[RawEntry]:
    """Every entry of one config file, in order; ConfigSyntaxError where git would stop."""
    if not text.startswith("\ufeff") and "\r" not in text:
        simple = _parse_simple(text)
        if simple is not None:
            return simple
    return _parse_full(text)


def _parse_full(text: str) -> list[RawEntry]:
    reader = _Reader(text)
    section: str | None = None
    entries: list[RawEntry] = []
    while True:
        char = reader.peek()
        if not char:
            return entries
        if char.isspace():
            reader.take()
        elif char in "#;":
            reader.skip_to_line_end()
        elif char == "[":
            reader.take()
            section = _section_header(reader)
        elif char.isascii() and char.isalpha():
            entries.append(_entry(reader, section))
        else:
            raise reader.error()


def split_key(key: str) -> tuple[str, str | None, str]:
    """``section.sub.sec.name`` → (section, subsection or None, name)."""
    section, _, rest = key.partition(".")
    sub, dot, name = rest.rpartition(".")
    return section, (sub if dot else None), name
