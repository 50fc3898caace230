"""Which schema is State Hub's and which errors its store raises: named without SQLAlchemy,
so the sweep can check "is the database at head?" without it (``statehub.store.sweepstore``)."""

from __future__ import annotations

from pathlib import Path

from sqlstore.errors import StoreErrors
from sqlstore.revisions import Schema
from statehub.errors import SchemaTooNew, StoreError, StoreUnavailable

SCHEMA = Schema(
    product="State Hub",
    migrations=Path(__file__).with_name("migrations"),
    # Arbitrary, fixed: any State Hub process migrating any database agrees on it.
    lock_key=int.from_bytes(b"statehub", "big"),
)
ERRORS = StoreErrors(error=StoreError, unavailable=StoreUnavailable, too_new=SchemaTooNew)
