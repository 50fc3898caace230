"""Property-based fuzzing from the API's own OpenAPI schema: no input, valid or
not, makes it answer 5xx — on SQLite and on PostgreSQL (which refuses NUL bytes,
NaN in JSONB and over-long strings that SQLite would take)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.schemas import OpenApiSchema

from statehub.api import create_app
from statehub.settings import Secret, Settings
from statehub.store import Store
from testing.serve import LiveServer

TOKEN = "fuzz-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Listed, not discovered, for readable test ids; the first test keeps it complete.
OPERATIONS = [
    "GET /health",
    "POST /consistency/sweep/remote-all",
    "GET /consistency/sweeps/{sweep_id}",
    "GET /consistency/status",
    "GET /consistency/cadence",
    "GET /progress/",
    "POST /progress/",
    "GET /progress/{event_id}",
    "GET /repos",
    "GET /repos/{name}",
    "GET /repos/{name}/history",
    "GET /notifications",
    "GET /metrics",
]
# schemathesis's pytest plugin (from_fixture) does not run under pytest 9, so
# hypothesis drives its strategies directly. Kept modest: the whole run < 60 s.
EXAMPLES = 30


@pytest.fixture
def api_schema(settings: Settings, store: Store) -> Iterator[OpenApiSchema]:
    # With a token on, so every request also goes through auth.
    app = create_app(replace(settings, token=Secret(TOKEN)), store)
    with LiveServer(app) as server:
        yield schemathesis.openapi.from_url(f"{server.url}/openapi.json", headers=AUTH)
        # Sweeps started with respond-async finish (and record) before the store closes.
        app.state.sweeps.wait_all()


def test_every_operation_is_fuzzed(api_schema: OpenApiSchema) -> None:
    assert [r.ok().label for r in api_schema.get_all_operations()] == OPERATIONS


@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_input_makes_the_api_fail(api_schema: OpenApiSchema, operation: str) -> None:
    method, path = operation.split(" ", 1)
    api_operation = api_schema[path][method]
    cases = st.one_of(
        api_operation.as_strategy(GenerationMode.POSITIVE),
        api_operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def no_server_error(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=AUTH, checks=[schemathesis.checks.not_a_server_error])

    no_server_error()
