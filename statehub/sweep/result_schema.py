"""Reading sweep result documents back: pydantic's validation over the dataclasses of
``statehub.sweep.result``.

Only readers import this — the API, the dashboard, the spool's reader, the tests' history
builders — never the sweep that writes a document (``SweepResult.document()``), so the
timer's ``sweep --json`` loads no pydantic for it (tests/cli/test_startup_imports.py).
FastAPI builds its response schemas from the same dataclasses; the field descriptions are
their attribute docstrings.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, TypeAdapter, ValidationError

from statehub.health import health_of
from statehub.sweep.result import SweepResult

__all__ = ["ValidationError", "read_result"]


def _derive_health(data: Any) -> Any:
    # Events recorded before sweeps carried their health read as the rule would have said.
    if isinstance(data, dict) and "health" not in data:
        health, reasons, _ = health_of(data)
        return {**data, "health": health, "health_reasons": reasons}
    return data


_RESULT: TypeAdapter[SweepResult] = TypeAdapter(
    Annotated[SweepResult, BeforeValidator(_derive_health)]
)


def read_result(document: object) -> SweepResult:
    """A stored or received result document as a ``SweepResult``; ``ValidationError`` (a
    ``ValueError``) when it is not one."""
    return _RESULT.validate_python(document)
