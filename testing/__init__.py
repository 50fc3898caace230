"""What the tests and the benchmarks share, outside the product: fleets with faults
(``fleet``), State Hub served for real (``serve``), polling with a deadline (``waiting``),
processes and their leftovers (``processes``), and sweep history written in the past
(``history``).

Only ``tests`` and ``bench`` may import it; nothing in ``statehub`` or ``activitycore`` does
(an import-linter contract says so), and the wheel does not ship it (``pyproject.toml``
leaves it out, and ``tests/deploy/test_wheel.py`` proves the built wheel holds none of it).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The checkout: where ``python -m statehub`` finds this State Hub, and its docs live."""
