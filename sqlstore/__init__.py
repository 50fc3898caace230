"""The SQL foundation both services' stores stand on: State Hub's and activity-core's.

What lives here is what a store needs whatever its tables are:

* ``urls``      parsing and naming a database URL (plain ``postgresql://`` means psycopg 3);
* ``engine``    engines with SQLite's pragmas, its WAL switch (with the retry a race needs),
                and PostgreSQL's timeouts;
* ``database``  ``Database``: open (migrating or only checking), ``session()``, ``reading()``,
                ``ping()``, ``dispose()``;
* ``schema``    bringing a schema to its Alembic head under a lock, and refusing one migrated
                by a newer program; Alembic itself is imported only when a migration must run;
* ``types``     the column types both dialects share (aware UTC datetimes, JSON documents);
* ``errors``    ``StoreError`` / ``StoreUnavailable`` / ``SchemaTooNew``, and the mapping of
                driver errors to them;
* ``alembic_env``  the body of each store's ``migrations/env.py``.

Who may import it: ``statehub.store`` and ``activitycore.store`` (and the services' error
modules, which subclass its errors), tests and bench. It imports neither service; an
import-linter contract in ``pyproject.toml`` keeps it so. Importing this package itself
imports nothing: take what you need from its modules.
"""
