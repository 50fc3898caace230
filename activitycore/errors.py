"""The errors activity-core raises on purpose.

Library code raises these; only the CLI turns them into one message and an exit status.
The store errors are also the shared SQL foundation's (``sqlstore.errors``), which raises
them for activity-core's store.
Inside the worker, HTTP failures become Temporal ``ApplicationError``\\s instead (retryable or
not), because that is the language Temporal's retry policy speaks.

    ActivityCoreError
    ├── ConfigError              a setting is wrong (names the variable)
    ├── DefinitionError          a definition file is wrong (names file, line, field)
    ├── DefinitionNotFound       no definition has that name or id
    ├── StoreError               the database cannot be used
    │   ├── StoreUnavailable     it cannot be reached or opened (retry later)
    │   └── SchemaTooNew         it was migrated by a newer activity-core
    └── TemporalError            Temporal cannot be used
        ├── TemporalUnavailable  the server cannot be reached
        └── DevServerError       `temporal server start-dev` could not be started
"""

from __future__ import annotations

from sqlstore import errors as sqlstore_errors


class ActivityCoreError(Exception):
    """Base of every error activity-core raises deliberately."""


class ConfigError(ActivityCoreError):
    """A setting is invalid; the message names the variable and what was expected."""


class DefinitionError(ActivityCoreError):
    """One or more definition files are invalid.

    ``problems`` holds one line per problem, each of the form ``FILE:LINE: FIELD: message``.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"{len(problems)} {noun} in activity definitions:\n  " + "\n  ".join(problems)
        )


class DefinitionNotFound(ActivityCoreError):
    def __init__(self, name_or_id: str) -> None:
        super().__init__(
            f"no activity definition is named or has the id {name_or_id!r} "
            "(run `activity-core sync-activity-definitions` first?)"
        )
        self.name_or_id = name_or_id


class StoreError(ActivityCoreError, sqlstore_errors.StoreError):
    """The database cannot be used."""


class StoreUnavailable(StoreError, sqlstore_errors.StoreUnavailable):
    """The database cannot be reached or opened right now."""


class SchemaTooNew(StoreError, sqlstore_errors.SchemaTooNew):
    """The database was migrated by a newer activity-core than this one."""


class TemporalError(ActivityCoreError):
    """Temporal cannot be used."""


class TemporalUnavailable(TemporalError):
    """The Temporal server cannot be reached."""


class DevServerError(TemporalError):
    """The local Temporal dev server could not be started."""
