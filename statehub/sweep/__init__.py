"""The remote-all consistency sweep: engine (pool, budget, ordering), lock, per-repo
check, reconciliation (fix mode) and its result document.

Imported by the edges (``api``, ``cli``) and by the cadence readers (for the result
document); it imports ``fleet``, ``git`` and ``store``, never ``api`` or ``cli``.
"""
