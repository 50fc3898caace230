"""State Hub: a fleet of git repositories kept consistent with their remotes.

The workstation service. Its packages, innermost first: ``fleet`` (pure: what a repo's
state is), ``git`` (running git safely), ``store`` (its database), ``sweep`` (the sweep),
``cadence`` (did a sweep run in every slot), ``api`` and ``cli`` (the two edges). Modules
beside them: settings, config, registry, errors, ``documents`` (what the CLI's ``--json``
and the API share) and ``demofleet`` (the healthy demo states ``statehub demo`` builds).

Imported by its own entry points, ``scripts/``, ``tests``, ``bench`` and ``testing``;
never by ``activitycore`` (the services talk over HTTP only), and it never imports
``activitycore`` or ``testing`` (import-linter contracts in ``pyproject.toml``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("statehub")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
