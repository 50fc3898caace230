"""The column types both stores share, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class _JSONDocument(TypeDecorator[Any]):
    """JSONB on PostgreSQL so operators' SQL can use ->, ->> and containment cheaply; JSON
    text on SQLite, whose -> operator (SQLite ≥ 3.38) reads it.

    Not ``JSON().with_variant(JSONB(), "postgresql")``: building JSONB imports SQLAlchemy's
    whole PostgreSQL dialect (asyncpg's and psycopg's included), a cost every SQLite
    process paid at import (issue 15). The dialect's type is chosen when a dialect asks,
    and a PostgreSQL dialect has imported its package by then.
    """

    # none_as_null: a Python None is SQL NULL, not the JSON literal 'null'.
    impl = JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB(none_as_null=True))
        return dialect.type_descriptor(JSON(none_as_null=True))


JSONDocument: TypeEngine[Any] = _JSONDocument()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the dialect.

    SQLite has no time zones: it stores what it is given, so we store naive UTC
    (the same text format for every row, so ``order by`` sorts right) and re-attach UTC on
    the way out. PostgreSQL's timestamptz comes back in the session's time zone, so it is
    converted to UTC too. Naive datetimes are refused: guessing their zone is how audit
    trails end up an hour off.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
