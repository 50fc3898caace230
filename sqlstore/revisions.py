"""What a store's schema is, and the heads its migration files declare, read without
SQLAlchemy or Alembic: a process that only checks "is the database at head?" (the sweep's
start-up, issue 15) imports neither."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Schema:
    """What a store's schema is: its migrations and who owns them."""

    product: str  # who wrote the migrations, as a user names it: "State Hub"
    migrations: Path  # the Alembic script directory (env.py, versions/)
    # Fixed per product: every process of it migrating any database agrees on it, and two
    # products sharing one PostgreSQL database do not wait on each other.
    lock_key: int
    # A table of its own, so two products may share one PostgreSQL database.
    version_table: str = "alembic_version"


def declared_heads(migrations: Path) -> frozenset[str] | None:
    """The heads the migration files declare, read without importing them or Alembic.

    None when a file does not state its ``revision`` and ``down_revision`` as plain literals
    (Alembic's own template does): then only Alembic can say, and the caller asks it.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((migrations / "versions").glob("*.py")):
        declared = _literal_assignments(path)
        revision, down = declared.get("revision"), declared.get("down_revision", ...)
        downs = down if isinstance(down, tuple) else (down,)
        if not isinstance(revision, str) or not all(d is None or isinstance(d, str) for d in downs):
            return None
        revisions.add(revision)
        parents.update(d for d in downs if isinstance(d, str))
    return frozenset(revisions - parents) or None


def _literal_assignments(path: Path) -> dict[str, object]:
    """Module-level ``name = <literal>`` (or ``name: T = <literal>``) lines of a file."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                found[target.id] = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError):
                continue
    return found
