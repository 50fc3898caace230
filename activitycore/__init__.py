"""activity-core: activity definitions as Temporal Schedules, a worker that runs their HTTP
actions, and the ActivityRun audit trail.

The scheduler service. It reaches State Hub over HTTP only: it never imports ``statehub``
and ``statehub`` never imports it (an import-linter contract), and it never imports
``testing``. Imported by its own CLI and by ``tests`` and ``bench``.
"""
