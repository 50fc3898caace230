"""The store: State Hub's database (SQLite by default, PostgreSQL in production).

``Store`` opens and migrates it; ``repos`` and ``events`` hold the queries, as
functions taking a Session from ``Store.session()``.
"""

from statehub.store.database import Store
from statehub.store.events import ProgressEvent
from statehub.store.repos import RepoRecord

__all__ = ["ProgressEvent", "RepoRecord", "Store"]
