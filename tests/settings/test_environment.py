"""Settings come from ``STATEHUB_<NAME>`` variables, read as pydantic-settings read them
before ``statehub.settings`` read them itself (issue 15): any case, values given in code
win, unknown names ignored, a bad value named by its variable."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from statehub.errors import ConfigError
from statehub.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def _no_statehub_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The developer's own STATEHUB_* must not decide these tests.
    for key in list(os.environ):
        if key.lower().startswith("statehub_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def test_it_reads_each_setting_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEHUB_WORKERS", "7")
    monkeypatch.setenv("STATEHUB_RETENTION", "12w")
    monkeypatch.setenv("STATEHUB_METRICS_PUBLIC", "yes")
    monkeypatch.setenv("STATEHUB_TOKEN", "s3cret")

    settings = load_settings()

    assert settings.workers == 7
    assert settings.retention == timedelta(weeks=12)
    assert settings.metrics_public is True
    assert settings.api_token() == "s3cret"


def test_a_variable_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("statehub_workers", "9")

    assert load_settings().workers == 9


def test_what_the_code_gives_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STATEHUB_WORKERS", "5")
    monkeypatch.setenv("STATEHUB_HOME", str(tmp_path / "from-env"))

    settings = Settings(workers=3)

    assert settings.workers == 3
    assert settings.home == (tmp_path / "from-env").resolve()


def test_unknown_names_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEHUB_NO_SUCH_KNOB", "1")
    monkeypatch.setenv("STATEHUB_MODEL_CONFIG", "{}")

    assert load_settings(no_such_either=1).workers == 32


def test_the_default_home_is_validated_like_a_given_one(tmp_path: Path) -> None:
    assert load_settings().home == (tmp_path / "state" / "statehub").resolve()

    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "statehub").write_text("")
    with pytest.raises(ConfigError, match=r"STATEHUB_HOME: .* exists and is not a directory"):
        load_settings()


def test_bad_values_are_each_named_by_their_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEHUB_WORKERS", "many")
    monkeypatch.setenv("STATEHUB_RETENTION", "12 parsecs")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert str(raised.value).startswith(
        "invalid settings — STATEHUB_WORKERS: Input should be a valid integer, unable to parse "
        "string as an integer; STATEHUB_RETENTION: "
    )
