"""The store: State Hub's database (SQLite by default, PostgreSQL in production).

What lives here is only what is State Hub's: the tables (``models``, and the Alembic
``migrations`` that are their source of truth), ``Store`` naming that schema and State Hub's
error classes (``database``, ``schema``), and the queries, as functions taking a Session from
``Store.session()`` or ``Store.reading()`` (``repos``, ``events``, ``history``; ``summaries``,
the per-sweep rows the dashboard reads; ``retention``, what a prune deletes and keeps;
``sweep_totals``, the sweeps' counts that a prune never lowers; the notifications outbox
``deliveries``). The sweep's own reads and writes are plain DB-API statements instead
(``ledger``, on ``sweepstore``'s transactions, with ``records``' values): the timer's sweep
imports no SQLAlchemy (issue 15). Engines, SQLite's WAL, read-only sessions, migrating and
the mapping of driver errors are the shared foundation's (``sqlstore``).

Who may import it: State Hub's I/O layers (``sweep``, ``api``, ``cli``, the registry and the
cadence history), tests and bench; never the pure ``fleet`` domain, never activity-core.
Importing this package imports none of its modules: ``Store``, ``ProgressEvent`` and
``RepoRecord`` are loaded when first named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from statehub.store.database import Store
    from statehub.store.events import ProgressEvent
    from statehub.store.records import RepoRecord

__all__ = ["ProgressEvent", "RepoRecord", "Store"]

_WHERE = {
    "Store": "statehub.store.database",
    "ProgressEvent": "statehub.store.events",
    "RepoRecord": "statehub.store.records",
}


def __getattr__(name: str) -> Any:
    # Lazily, so that the sweep's path (statehub.store.ledger) does not load SQLAlchemy
    # for the ORM names the rest of State Hub imports from here.
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
