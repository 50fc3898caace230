"""The errors a store raises, and how a driver's error becomes one of them.

    StoreError            the database cannot be used
    ├── StoreUnavailable  it cannot be reached or opened (retry later)
    └── SchemaTooNew      it was migrated by a newer program

Each service has its own error tree (``statehub.errors``, ``activitycore.errors``) whose
store errors subclass both the service's base and these, so the service's edges catch them as
their own and this package can raise them (see ``StoreErrors``). Nothing here imports a
driver: the services' error modules import this one, and they must stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass


class StoreError(Exception):
    """The database cannot be used."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or opened right now."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer program than this one."""


@dataclass(frozen=True)
class StoreErrors:
    """The classes a service's store raises: its own subclasses of the three above."""

    error: type[StoreError] = StoreError
    unavailable: type[StoreUnavailable] = StoreUnavailable
    too_new: type[SchemaTooNew] = SchemaTooNew


def first_line(exc: BaseException) -> str:
    """The driver's own first line (``database is locked``), or the exception's type."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return detail[0] if detail else type(exc).__name__


def unavailable(
    errors: StoreErrors, describe: str, exc: BaseException, *, opening: bool
) -> StoreUnavailable:
    """The StoreUnavailable for a driver error: which database, and why in the driver's words."""
    reason = first_line(exc)
    lowered = reason.lower()
    if "connection refused" in lowered:
        return errors.unavailable(f"{describe} refused the connection (is the server running?)")
    if "timeout expired" in lowered or "timed out" in lowered:
        return errors.unavailable(f"{describe} did not answer: {reason}")
    verb = "cannot open" if opening else "cannot use"
    if "unable to open database file" in lowered or "readonly database" in lowered:
        # SQLite's words name neither the cause nor the fix: a file or directory this user
        # cannot write (a read-only home, another user's file).
        reason += " (it must be a file this user can write, in a directory it can write)"
    return errors.unavailable(f"{verb} {describe}: {reason}")
