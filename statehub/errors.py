"""The errors State Hub raises on purpose.

Library code raises these; only the edges translate them — the CLI into one
message and an exit status, the API into an HTTP status with a ``detail``.
The store errors are also the shared SQL foundation's (``sqlstore.errors``), which
raises them for State Hub's store.

    StateHubError
    ├── ConfigError            a setting or config file is wrong (names file/line/field)
    ├── RegistryError          the fleet registry refused a change
    │   ├── RepoNotFound       no repo registered under that name
    │   └── RepoConflict       that name or path is already registered
    ├── NotAGitRepo            a path is not a git work tree
    ├── InspectError           a git work tree git cannot read (corrupt, unreadable output)
    ├── FixRefused             fix mode declined a change it could not prove safe
    ├── FleetBuildError        the demo fleet builder could not make a repo
    ├── HomeUnusable           the State Hub home cannot be created or written
    │   └── SweepCannotStart   so a sweep could not start (has .result; in
    │                          statehub.sweep.result, beside the result it carries)
    └── StoreError             the database cannot be used
        ├── StoreUnavailable   it cannot be reached or opened (retry later)
        │   └── SweepNotRecorded  a sweep ran but its event could not be written (has .result;
        │                         in statehub.sweep.result, beside the result it carries)
        └── SchemaTooNew       it was migrated by a newer State Hub
"""

from __future__ import annotations

from sqlstore import errors as sqlstore_errors


class StateHubError(Exception):
    """Base of every error State Hub raises deliberately."""


class ConfigError(StateHubError):
    """A setting or a config file is invalid; the message names where and how to fix it."""


class RegistryError(StateHubError):
    """The fleet registry refused a change."""


class RepoNotFound(RegistryError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no repo is registered as {name!r} (see `statehub repos list`)")
        self.name = name


class RepoConflict(RegistryError):
    """A repo with the same name or path is already registered."""


class NotAGitRepo(StateHubError):
    def __init__(self, path: str, reason: str = "") -> None:
        detail = f": {reason}" if reason else ""
        super().__init__(f"{path} is not a git work tree{detail}")
        self.path = path


class InspectError(StateHubError):
    """A path is a git work tree, but git could not report its state.

    The message is git's own most telling line (``fatal: bad object HEAD``),
    or what was wrong with its output.
    """


class FixRefused(StateHubError):
    """Fix mode will not make this change; the message says why (what is in the way)."""


class FleetBuildError(StateHubError):
    """``statehub.demofleet`` could not build a repo; the message is git's own line."""


class StoreError(StateHubError, sqlstore_errors.StoreError):
    """The database cannot be used."""


class StoreUnavailable(StoreError, sqlstore_errors.StoreUnavailable):
    """The database cannot be reached or opened right now."""


class HomeUnusable(StateHubError):
    """The State Hub home (or its lock file) cannot be created or written."""


class SchemaTooNew(StoreError, sqlstore_errors.SchemaTooNew):
    """The database was migrated by a newer State Hub than this one."""
