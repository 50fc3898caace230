"""activity-core's database: definitions mirrored from YAML and the ActivityRun audit trail.

What lives here is only what is activity-core's: the tables (``models``, and the Alembic
``migrations`` that are their source of truth), ``Store`` naming that schema and
activity-core's error classes (``database``), and the queries, as functions taking a Session
from ``Store.session()`` or ``Store.reading()`` (``catalog``, ``runs``). Engines, SQLite's WAL,
read-only sessions, migrating and the mapping of driver errors are the shared foundation's
(``sqlstore``).

Who may import it: the rest of activity-core (CLI, schedules, trigger, worker activities),
tests and bench; never State Hub.
"""

from activitycore.store.database import Store

__all__ = ["Store"]
