"""Cadence: did a sweep run in every 15-minute UTC slot, and can the local timer go?

One package for the idea, from the recorded event to the document an operator reads:

- ``marks``     the one reader of a recorded sweep's payload (``SweepMark``)        pure
- ``slots``     UTC-aligned slots and the marks that fall in each                    pure
- ``verdict``   ``judge``: per-source totals, gaps, ``CadenceVerdict`` on the timer   pure
- ``document``  ``CadenceDocument``, the one JSON type of ``statehub cadence --json``
                and ``GET /consistency/cadence``                                     pure
- ``history``   store reads: a window's marks, a page at a time, and its verdict
- ``status``    overdue or not, each recorded sweep as the status shows it, from its
                summary row (``/consistency/status``)                                pure

Durations (``15m``, ``7d``) are parsed by the top-level ``durations`` package, the grammar
activity-core shares. The pure modules import no I/O layer (an import-linter contract in
``pyproject.toml``); ``history`` reads the store. ``api/`` and ``cli/`` import
this package; nothing here imports them.
"""
