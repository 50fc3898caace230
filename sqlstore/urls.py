"""Database URLs: parsing them, and naming the database without its password."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from sqlstore.errors import StoreErrors
from sqlstore.sqlite_url import describe_sqlite

BACKENDS = ("sqlite", "postgresql")
# The drivers installed with the services: the standard library's sqlite3 and psycopg 3.
DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


def normalize_url(url: str | URL, errors: StoreErrors = StoreErrors()) -> URL:
    """Parse a SQLAlchemy URL; plain ``postgresql://`` means psycopg 3.

    Raises ``errors.error`` for text that is no URL, or names a database other than SQLite
    or PostgreSQL (the only two the stores are tested on).
    """
    if isinstance(url, URL):
        parsed = url
    else:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise errors.error(
                f"invalid database URL (not a SQLAlchemy URL): {url[:40]!r}"
            ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    # Refused here, by name: SQLAlchemy would otherwise import a driver that is not installed
    # (postgresql+psycopg2://, +asyncpg) and fail with ModuleNotFoundError deep in create_engine.
    if parsed.get_backend_name() not in BACKENDS or parsed.drivername not in DRIVERS:
        raise errors.error(
            f"unsupported database {parsed.drivername!r} in "
            f"{parsed.render_as_string(hide_password=True)!r}: use sqlite:///PATH or "
            "postgresql://USER@HOST/DB (postgresql+psycopg://…, psycopg 3)"
        )
    return parsed


def sqlite_path(url: URL) -> str | None:
    """The file of a SQLite URL; None for in-memory databases and for other backends."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return database


def describe_url(url: URL) -> str:
    """A human name for the database, without the password."""
    if url.get_backend_name() == "sqlite":
        return describe_sqlite(sqlite_path(url))
    if url.get_backend_name() == "postgresql":
        where = f"{url.host}:{url.port or 5432}" if url.host else "the local socket"
        return f"PostgreSQL at {where}/{url.database or ''}"
    return url.render_as_string(hide_password=True)
