"""The database as a sweep uses it: plain DB-API transactions for its own statements
(``ledger``), and the ORM ``Store`` only when something else is asked of it.

    sweeps = SweepStore.open(settings.resolved_database_url)   # the CLI
    sweeps = SweepStore.over(store)                            # the server, tests
    with sweeps.writing() as tx:
        ledger.record_checks(tx, ...)

``open`` on a SQLite file already at head (and in WAL mode) costs one query and imports no
SQLAlchemy: that is the timer's sweep, every few minutes (issue 15). Anything else — a new
file, an older or newer schema, an unusual URL, PostgreSQL — is ``Store.open``'s (it migrates,
or says what is wrong), and the sweep's statements then run on the store's pooled connections.
What a sweep does only when configured (the fleet config file, alerts, pings) asks ``store()``
for the ORM store, opened then.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlstore.dbapi import Transaction, Transactions, open_sqlite_at_head
from sqlstore.sqlite_url import describe_sqlite, plain_sqlite_file
from statehub.store.schema import ERRORS, SCHEMA

if TYPE_CHECKING:
    from statehub.store.database import Store


class SweepStore:
    """The sweep's transactions, and the ORM store on demand. Safe to share between threads."""

    def __init__(self, url: str, transactions: Transactions, store: Store | None = None) -> None:
        self.url = url
        self.description = transactions.description
        self._transactions = transactions
        self._store = store
        self._owns_store = False
        self._lock = threading.Lock()

    @classmethod
    def open(cls, url: str) -> SweepStore:
        """The database at ``url``, at head: StoreUnavailable / SchemaTooNew / StoreError as
        ``Store.open`` raises them."""
        path = plain_sqlite_file(url)
        if path is not None:
            found = open_sqlite_at_head(
                path, SCHEMA, description=describe_sqlite(path), errors=ERRORS
            )
            if found is not None:
                return cls(url, found)
        from statehub.store.database import Store

        store = Store.open(url)
        opened = cls(url, store.transactions(), store)
        opened._owns_store = True
        return opened

    @classmethod
    def over(cls, store: Store) -> SweepStore:
        """The sweep's statements on an open store's connections (the store stays the caller's)."""
        return cls(store.url, store.transactions(), store)

    @contextmanager
    def writing(self) -> Iterator[Transaction]:
        with self._transactions.writing() as tx:
            yield tx

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        with self._transactions.reading() as tx:
            yield tx

    def store(self) -> Store:
        """The ORM store of the same database, opened on first use."""
        with self._lock:
            if self._store is None:
                from statehub.store.database import Store

                self._store = Store.open(self.url)
                self._owns_store = True
            return self._store

    def close(self) -> None:
        """Close what this opened; a store handed to ``over`` stays open."""
        self._transactions.close()
        with self._lock:
            if self._owns_store and self._store is not None:
                self._store.dispose()
                self._store = None
