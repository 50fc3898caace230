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

from __future__ import annotations


def __getattr__(name: str) -> str:
    # ``__version__`` is looked up when asked for (the API, the dashboard): importlib.metadata
    # costs a CLI sweep tens of milliseconds it does not need (issue 15).
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("statehub")
        except PackageNotFoundError:  # running from a source tree without an install
            return "0.0.0+source"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
