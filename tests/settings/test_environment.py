"""Settings come from ``STATEHUB_<NAME>`` variables, read as pydantic-settings read them
before ``statehub.settings`` read them itself (issue 15): any case, values given in code
win, unknown names ignored, a bad value named by its variable."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import FrozenInstanceError, replace
from datetime import timedelta
from pathlib import Path

import pytest

from statehub.errors import ConfigError
from statehub.settings import Settings, environment_values, load_settings


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

    assert str(raised.value) == (
        "invalid settings — STATEHUB_WORKERS: expected a whole number, got 'many'; "
        "STATEHUB_RETENTION: '12 parsecs' is not a duration like 15m, 2h, 7d "
        "(a whole number from 1 to 999999, then s, m, h, d or w)"
    )


def test_every_bad_value_is_listed_at_once_with_what_was_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STATEHUB_WORKERS", "0")
    monkeypatch.setenv("STATEHUB_FETCH_TIMEOUT", "0")
    monkeypatch.setenv("STATEHUB_NOTIFY_TIMEOUT", "61")
    monkeypatch.setenv("STATEHUB_GIT_TIMEOUT", "inf")
    monkeypatch.setenv("STATEHUB_METRICS_PUBLIC", "maybe")
    monkeypatch.setenv("STATEHUB_PING_URL", "ftp://example.com/check")

    with pytest.raises(ConfigError) as raised:
        load_settings(hostname=7)

    assert str(raised.value) == "invalid settings — " + "; ".join(
        [
            "STATEHUB_WORKERS: must be at least 1, got 0",
            "STATEHUB_FETCH_TIMEOUT: must be greater than 0, got 0.0",
            "STATEHUB_GIT_TIMEOUT: expected a finite number, got 'inf'",
            "STATEHUB_HOSTNAME: expected a string, got a value of type int",
            "STATEHUB_METRICS_PUBLIC: expected a boolean "
            "(1/0, true/false, yes/no, on/off, t/f, y/n), got 'maybe'",
            "STATEHUB_PING_URL: expected an http(s) check URL such as "
            "https://hc-ping.com/<uuid>, got ftp://example.com…; fix or unset it",
            "STATEHUB_NOTIFY_TIMEOUT: must be at most 60, got 61.0",
        ]
    )


def test_of_two_spellings_the_later_in_the_environment_wins() -> None:
    environ = {"statehub_workers": "3", "STATEHUB_WORKERS": "4", "STATEHUB_NOTIFY": "x"}

    assert environment_values(environ) == {"workers": "4", "notify": "x"}


def test_the_token_never_shows_in_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEHUB_TOKEN", "s3cret-value")

    settings = load_settings()

    assert "s3cret" not in repr(settings)
    assert "s3cret" not in f"{settings.token}"
    assert settings.api_token() == "s3cret-value"


def test_a_changed_copy_is_validated_and_the_original_is_frozen(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")

    assert replace(settings, workers="8").workers == 8
    assert replace(settings, workers=8).home == settings.home
    with pytest.raises(ConfigError, match="STATEHUB_WORKERS: must be at most 256, got 1000"):
        replace(settings, workers=1000)
    with pytest.raises(FrozenInstanceError):
        settings.workers = 1  # type: ignore[misc]


def test_the_settings_import_no_pydantic(tmp_path: Path) -> None:
    # Issue 15: pydantic's import and model build were ~110-150 ms of the timer's start.
    probe = (
        "import sys, statehub.settings\n"
        "statehub.settings.load_settings()\n"
        "roots = {m.partition('.')[0] for m in sys.modules}\n"
        "print(sorted(roots & {'pydantic', 'pydantic_core', 'pydantic_settings'}))\n"
    )
    env = {"PATH": os.environ["PATH"], "STATEHUB_HOME": str(tmp_path / "home")}

    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )

    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
