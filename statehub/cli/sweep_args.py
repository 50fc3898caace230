"""One ``statehub sweep`` command line, parsed: what typer's command and the fast path both
hand to ``sweep_run``."""

from __future__ import annotations

from dataclasses import dataclass, field

from statehub.sweep.request import SweepRequest


@dataclass(frozen=True)
class View:
    """What the operator asked to see; the document and the event never depend on it."""

    only: set[str] = field(default_factory=set)
    changed: set[str] | None = None  # None: every repo
    quiet: bool = False


@dataclass(frozen=True)
class SweepArgs:
    """The sweep to run, and how to show it."""

    request: SweepRequest
    as_json: bool = False
    view: View = field(default_factory=View)
    changed: bool = False  # --changed: fill view.changed from the store once the sweep is in
