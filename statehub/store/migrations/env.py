"""Alembic environment for State Hub.

``Store.open`` runs migrations programmatically and hands over a connection it
has already locked (see ``statehub.store.schema``), so no alembic.ini is needed.
For hand-run ``alembic`` commands, pass ``-x url=...`` or set
``sqlalchemy.url`` in your own ini.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from statehub.store.database import build_engine
from statehub.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
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
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("no database: pass -x url=<SQLAlchemy URL>")
    engine = build_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
