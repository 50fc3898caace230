"""JSON numbers Python reads as NaN or infinity (``NaN``, ``Infinity``, ``1e400``) are bad
input: 422 naming the field, never a 500 whose error report itself cannot be encoded."""

from __future__ import annotations

import httpx
import pytest

from tests.api.helpers import sqlite_only


@sqlite_only
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_a_max_seconds_that_is_not_a_finite_number_is_a_422(
    client: httpx.Client, literal: str
) -> None:
    answer = client.post(
        "/consistency/sweep/remote-all",
        content=f'{{"max_seconds": {literal}}}'.encode(),
        headers={"Content-Type": "application/json"},
    )

    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "max_seconds"]
    assert "finite" in error["msg"]
