"""The store: State Hub's database (SQLite by default, PostgreSQL in production).

What lives here is only what is State Hub's: the tables (``models``, and the Alembic
``migrations`` that are their source of truth), ``Store`` naming that schema and State Hub's
error classes (``database``), and the queries, as functions taking a Session from
``Store.session()`` or ``Store.reading()`` (``repos``, ``events``, ``history``; ``summaries``,
the per-sweep rows the dashboard reads; ``retention``, what a prune deletes and keeps;
``sweep_totals``, the sweeps' counts that a prune never lowers; the notifications outbox
``deliveries``). Engines, SQLite's WAL, read-only sessions, migrating and
the mapping of driver errors are the shared foundation's (``sqlstore``).

Who may import it: State Hub's I/O layers (``sweep``, ``api``, ``cli``, the registry and the
cadence history), tests and bench; never the pure ``fleet`` domain, never activity-core.
"""

from statehub.store.database import Store
from statehub.store.events import ProgressEvent
from statehub.store.repos import RepoRecord

__all__ = ["ProgressEvent", "RepoRecord", "Store"]
