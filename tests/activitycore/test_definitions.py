"""Definition files: every file in activities/ validates, the sweep's is exactly the issue's,
and a bad file is reported as FILE:LINE: FIELD: what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from activitycore import cron
from activitycore.definitions import load_definitions, load_file
from activitycore.errors import DefinitionError
from tests.activitycore.support import REPO, SWEEP_ID, write_definition

VARIABLES = {"STATE_HUB_URL": "http://127.0.0.1:8000"}


def test_it_validates_every_definition_file_in_the_repo() -> None:
    loaded = load_definitions([REPO / "activities"], VARIABLES)
    assert loaded, "activities/ holds no definition"
    assert len({item.definition.id for item in loaded}) == len(loaded)


def test_it_reads_the_sweep_definition_exactly_as_the_issue_states() -> None:
    sweep = load_file(REPO / "activities" / "state-hub-consistency-sweep.yaml", VARIABLES)
    assert str(sweep.id) == SWEEP_ID
    assert sweep.name == "State Hub Consistency Sweep"
    assert sweep.trigger == "*/15 * * * *"
    assert sweep.timezone == "UTC"
    assert sweep.misfire_policy == "skip"
    assert sweep.enabled is False
    assert sweep.action.http.method == "POST"
    assert sweep.action.http.url == "http://127.0.0.1:8000/consistency/sweep/remote-all"
    assert sweep.action.http.body == {"max_seconds": 300}
    assert sweep.action.http.respond_async is True
    assert sweep.action.context_key == "consistency_sweep_remote_all"


def test_it_names_the_variable_file_and_field_when_a_variable_is_unset() -> None:
    path = REPO / "activities" / "state-hub-consistency-sweep.yaml"
    with pytest.raises(DefinitionError) as raised:
        load_file(path, {})
    (problem,) = raised.value.problems
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "url:" in text)
    assert problem.startswith(f"{path}:{line}: action.http.url: ")
    assert "STATE_HUB_URL is not set" in problem


def test_it_substitutes_defaults_and_escapes(definitions_dir: Path) -> None:
    path = write_definition(
        definitions_dir,
        action={
            "http": {"url": "${NOPE:-http://fallback:1}/x", "headers": {"X-Cost": "$$5"}},
            "context_key": "k",
        },
    )
    definition = load_file(path, {})
    assert definition.action.http.url == "http://fallback:1/x"
    assert definition.action.http.headers == {"X-Cost": "$5"}


BAD_FILES = [
    pytest.param("id: nope\n", 1, "id", "UUID", id="bad-uuid"),
    pytest.param("trigger: '*/15 * * *'\n", 1, "trigger", "5-field cron", id="cron-fields"),
    pytest.param("trigger: '61 * * * *'\n", 1, "trigger", "outside 0-59", id="cron-range"),
    pytest.param("trigger: '0 */15 * * * *'\n", 1, "trigger", "6 fields", id="cron-six"),
    pytest.param("timezone: Mars/Base\n", 1, "timezone", "IANA time zone", id="timezone"),
    pytest.param("misfire_policy: later\n", 1, "misfire_policy", "'skip' or 'catch_up'", id="mp"),
    pytest.param("enable: false\n", 1, "enable", "unknown field", id="typo"),
    pytest.param(
        "action:\n  http:\n    url: ftp://x\n  context_key: k\n",
        3,
        "action.http.url",
        "http(s) URL",
        id="url",
    ),
    pytest.param(
        "action:\n  http: {url: 'http://x'}\n  context_key: 'a-b'\n",
        3,
        "action.context_key",
        "plain identifier",
        id="context-key",
    ),
    pytest.param(
        "action:\n  http: {url: 'http://x'}\n", 1, "action.context_key", "required", id="missing"
    ),
]

BASE = """\
id: 0b0c6a53-1d5e-4d8e-9a58-2f1f6c1d2e3f
name: Probe
trigger: '*/5 * * * *'
action: {http: {url: 'http://x'}, context_key: k}
"""


@pytest.mark.parametrize(("override", "line", "field", "expected"), BAD_FILES)
def test_it_reports_file_line_field_and_expectation(
    definitions_dir: Path, override: str, line: int, field: str, expected: str
) -> None:
    # The override replaces the base's key of the same name and comes first in the file,
    # so the line numbers in the table are counted from the top.
    keys = {text.split(":", 1)[0] for text in override.splitlines() if not text[:1].isspace()}
    base = "".join(text for text in BASE.splitlines(True) if text.split(":", 1)[0] not in keys)
    path = definitions_dir / "bad.yaml"
    path.write_text(override + base)
    with pytest.raises(DefinitionError) as raised:
        load_definitions([definitions_dir], {})
    problems = raised.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{line}: {field}: "), problems[0]
    assert expected in problems[0]


def test_it_reports_yaml_syntax_errors_with_their_line(definitions_dir: Path) -> None:
    path = definitions_dir / "broken.yml"
    path.write_text("id: x\nname: [unclosed\n")
    with pytest.raises(DefinitionError) as raised:
        load_definitions([definitions_dir], {})
    assert raised.value.problems[0].startswith(f"{path}:3: invalid YAML")


def test_it_refuses_duplicate_keys_ids_and_names(definitions_dir: Path) -> None:
    (definitions_dir / "dup.yaml").write_text(BASE + "enabled: true\nenabled: false\n")
    with pytest.raises(DefinitionError) as raised:
        load_definitions([definitions_dir], {})
    assert raised.value.problems == [f"{definitions_dir / 'dup.yaml'}:6: enabled: duplicate key"]

    (definitions_dir / "dup.yaml").write_text(BASE)
    (definitions_dir / "twin.yaml").write_text(BASE)
    with pytest.raises(DefinitionError) as raised:
        load_definitions([definitions_dir], {})
    assert sorted(p.split(": ")[1] for p in raised.value.problems) == ["id", "name"]


def test_it_reports_every_problem_of_every_file_at_once(definitions_dir: Path) -> None:
    (definitions_dir / "a.yaml").write_text("id: nope\n" + BASE.split("\n", 1)[1])
    (definitions_dir / "b.yaml").write_text(BASE.replace("Probe", "Other") + "timezone: X/Y\n")
    with pytest.raises(DefinitionError) as raised:
        load_definitions([definitions_dir, definitions_dir / "missing"], {})
    text = str(raised.value)
    assert "a.yaml:1: id:" in text
    assert "b.yaml:5: timezone:" in text
    assert "missing: not a directory" in text


@pytest.mark.parametrize(
    "expression",
    ["*/15 * * * *", "0 9-17/2 * * MON-FRI", "5,35 0 1 JAN,jul 0", "0 0 * * 7", "@every 90s"],
)
def test_it_accepts_classic_cron_and_every(expression: str) -> None:
    assert cron.validate(expression) == expression


@pytest.mark.parametrize(
    "expression",
    ["* * * *", "*/0 * * * *", "5-1 * * * *", "* 24 * * *", "@hourly", "@every 0s", "CRON_TZ=UTC"],
)
def test_it_refuses_what_temporal_would_misread_or_reject(expression: str) -> None:
    with pytest.raises(cron.CronError):
        cron.validate(expression)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("0 0 30 2 *", "never fires: no month among FEB has day 30"),
        ("0 0 31 4,6,9,11 *", "never fires: no month among APR, JUN, SEP, NOV has day 31"),
        ("0 0 30,31 FEB *", "never fires"),
        ("*/61 * * * *", "minute step 61 exceeds the field (0-59, 60 values)"),
        ("0 */25 * * *", "hour step 25 exceeds the field (0-23, 24 values)"),
        ("0 0 1 */13 *", "month step 13 exceeds the field"),
    ],
)
def test_it_refuses_a_trigger_that_never_fires_or_steps_past_its_field(
    expression: str, reason: str
) -> None:
    with pytest.raises(cron.CronError) as raised:
        cron.validate(expression)
    assert reason in str(raised.value)


@pytest.mark.parametrize(
    "expression", ["0 0 29 2 *", "0 0 30 2 MON", "0 0 31 1-12 *", "*/60 * * * *"]
)
def test_rare_but_possible_triggers_are_accepted(expression: str) -> None:
    assert cron.validate(expression) == expression


def test_a_definition_whose_trigger_never_fires_is_refused_by_file_and_line(
    definitions_dir: Path,
) -> None:
    path = definitions_dir / "never.yaml"
    path.write_text(BASE.replace("'*/5 * * * *'", "'0 0 30 2 *'"))
    assert "0 0 30 2 *" in path.read_text()
    with pytest.raises(DefinitionError) as raised:
        load_definitions([definitions_dir], {})
    [problem] = raised.value.problems
    assert problem.startswith(f"{path}:") and "trigger" in problem and "never fires" in problem


def test_a_ping_url_is_an_http_check_url_and_a_bad_one_is_named_by_file_line_and_field(
    definitions_dir: Path,
) -> None:
    good = load_file(
        write_definition(definitions_dir, ping_url="https://hc.example/k3y/"), VARIABLES
    )
    unset = load_file(write_definition(definitions_dir, ping_url="${HC_URL:-}"), VARIABLES)
    none = load_file(write_definition(definitions_dir), VARIABLES)
    path = write_definition(definitions_dir, ping_url="ftp://hc.example/s3cret")
    with pytest.raises(DefinitionError) as raised:
        load_file(path, VARIABLES)

    assert good.ping_url == "https://hc.example/k3y"
    assert unset.ping_url is None and none.ping_url is None
    # Without a ping_url the stored document (and its digest) is as it was before the field.
    assert "ping_url" not in none.document() and good.document()["ping_url"] == good.ping_url
    (problem,) = raised.value.problems
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "ping_url" in text)
    assert problem.startswith(f"{path}:{line}: ping_url: expected an http(s) check URL")
    assert "s3cret" not in problem
