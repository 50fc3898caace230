"""The body of each store's ``migrations/env.py``: run its migrations online.

``Database.open`` runs migrations programmatically and hands over a connection it has already
locked (see ``schema.py``), so no alembic.ini is needed. For hand-run ``alembic`` commands,
pass ``-x url=<SQLAlchemy URL>`` (or set ``sqlalchemy.url`` in your own ini).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, MetaData

from sqlstore.engine import build_engine


def run_migrations(metadata: MetaData, *, version_table: str = "alembic_version") -> None:
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported; run against a database")
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection, metadata, version_table)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("no database: pass -x url=<SQLAlchemy URL>")
    engine = build_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn, metadata, version_table)
    finally:
        engine.dispose()


def _run(connection: Connection, metadata: MetaData, version_table: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=version_table,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
