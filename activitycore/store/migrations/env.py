"""Alembic environment for activity-core.

``Store.open`` runs migrations programmatically with a connection it already holds, so no
alembic.ini is needed. For hand-run ``alembic`` commands pass ``-x url=<SQLAlchemy URL>``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from activitycore.store.database import VERSION_TABLE, build_engine, normalize_url
from activitycore.store.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("no database: pass -x url=<SQLAlchemy URL>")
    engine = build_engine(normalize_url(url))
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
