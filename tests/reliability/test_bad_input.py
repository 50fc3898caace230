"""Bad input: malformed fleet config files and activity definitions — arbitrary ones from
hypothesis, and a table of the usual mistakes — end in the project's own error naming the
file, the line and the field; never in another exception.

Proven elsewhere and cited in docs/reliability.md: every HTTP endpoint fuzzed from the
OpenAPI schema (tests/api/test_schema_fuzz.py) and the porcelain parsers fuzzed
(tests/fleet/test_porcelain.py); the definition table (tests/activitycore/test_definitions.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activitycore.definitions import load_file
from activitycore.errors import DefinitionError
from statehub.config import FleetConfig, parse_fleet_config
from statehub.errors import ConfigError

SOURCE = "/etc/statehub/config.yaml"
CONFIG_KEYS = ["repos", "discover", "path", "name", "allow_push"]
DEFINITION_KEYS = [
    "id",
    "name",
    "description",
    "trigger",
    "timezone",
    "misfire_policy",
    "enabled",
    "action",
    "http",
    "method",
    "url",
    "json",
    "headers",
    "respond_async",
    "poll_interval_seconds",
    "run_context",
    "context_key",
    "timeout_seconds",
    "retry",
    "maximum_attempts",
]
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["~/src", "/tmp", "", "*/15 * * * *", "UTC", "skip", "${STATE_HUB_URL}/x"]),
)


def _documents(keys: list[str]) -> st.SearchStrategy[Any]:
    """YAML-able trees whose keys are mostly the real field names, so many examples get
    past the first check and reach the deeper ones."""
    key = st.one_of(st.sampled_from(keys), st.text(max_size=10))
    return st.recursive(
        _scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(key, inner, max_size=6)
        ),
        max_leaves=25,
    )


def _yaml(document: Any) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@given(text=st.one_of(st.text(max_size=300), _documents(CONFIG_KEYS).map(_yaml)))
@settings(max_examples=300, deadline=None)
def test_any_config_text_parses_or_names_file_and_line(text: str) -> None:
    try:
        parsed = parse_fleet_config(text, source=SOURCE)
    except ConfigError as exc:
        assert str(exc).startswith(f"{SOURCE}, line "), exc
    else:
        assert isinstance(parsed, FleetConfig)


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("repos:\n  - path: /x\n    allow_push: perhaps\n", 3, "repos.0.allow_push"),
        ("repos:\n  - name: x\n", 2, "repos.0.path"),
        ("repos:\n  - path: /x\n  - path: /y\n    nmae: y\n", 4, "repos.1.nmae"),
        ("discover: ~/src\n", 1, "discover"),
        ("repos: []\nrepo:\n  - path: /x\n", 2, "repo"),
        ("repos:\n  - path: ''\n", 2, "repos.0.path"),
    ],
)
def test_a_config_mistake_names_file_line_and_field(text: str, line: int, field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_fleet_config(text, source=SOURCE)
    assert str(raised.value).startswith(f"{SOURCE}, line {line}, field '{field}': ")


def test_broken_config_yaml_names_file_and_line() -> None:
    with pytest.raises(ConfigError, match=rf"^{re.escape(SOURCE)}, line 3: not valid YAML"):
        parse_fleet_config("repos:\n  - path: /x\n\tname: y\n", source=SOURCE)


@given(document=st.one_of(_documents(DEFINITION_KEYS), st.text(max_size=200)))
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_definition_file_loads_or_names_file_line_and_field(
    tmp_path: Path, document: Any
) -> None:
    path = tmp_path / "fuzzed.yaml"
    path.write_text(document if isinstance(document, str) else _yaml(document), encoding="utf-8")
    try:
        load_file(path, {"STATE_HUB_URL": "http://127.0.0.1:8000"})
    except DefinitionError as exc:
        assert exc.problems
        for problem in exc.problems:
            # FILE:LINE: FIELD: what was expected (or FILE:LINE: invalid YAML …)
            assert re.match(rf"^{re.escape(str(path))}(:\d+)?: ", problem), problem
