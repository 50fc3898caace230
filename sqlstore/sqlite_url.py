"""A SQLite URL read without SQLAlchemy, for a process that must not import it to find its
file (the sweep's start-up, issue 15), and the name every store gives a SQLite database.

Only the plain form is read here: ``sqlite:///PATH`` with no query, fragment or percent
escape, which is what State Hub's own default is. Anything else is ``sqlstore.urls``' to parse,
with SQLAlchemy's rules.
"""

from __future__ import annotations

import re

_PLAIN = re.compile(r"sqlite(?:\+pysqlite)?:///(?P<path>[^?#%]+)")


def plain_sqlite_file(url: str) -> str | None:
    """The file a plain ``sqlite:///PATH`` URL names (as SQLAlchemy reads it), else None."""
    found = _PLAIN.fullmatch(url)
    if found is None or found["path"] == ":memory:":
        return None
    return found["path"]


def describe_sqlite(path: str | None) -> str:
    """A human name for a SQLite database (its file, or the in-memory one)."""
    return f"SQLite database {path or ':memory:'}"
