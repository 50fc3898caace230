"""The stdlib settings accept and refuse what the pydantic model they replaced did (issue 15).

``PydanticSettings`` below is the old ``statehub.settings.Settings`` as it was, without its
environment reading (the same for both: ``environment_values``). Every input in the table
goes through both, as the environment's text and as values given in code, and the two must
agree: both accept it (with the same value) or both refuse it. Where the new model refuses on
purpose what the old one let through, the input is in ``DELIBERATELY_REFUSED`` with why, and
the test holds that the old one did accept it, so the list cannot go stale.
"""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from durations import DurationError, parse_duration
from hcping import check_url_problem
from statehub.errors import ConfigError
from statehub.settings import Secret, Settings, default_home, knobs


class PydanticSettings(BaseModel):
    """The pydantic model statehub.settings had, field for field (descriptions left out)."""

    model_config = ConfigDict(extra="ignore", validate_default=True)

    home: Path = Field(default_factory=default_home)
    database_url: str | None = None
    config_file: Path | None = None
    workers: int = Field(default=32, ge=1, le=256)
    fetch_timeout: float = Field(default=120.0, gt=0)
    git_timeout: float = Field(default=60.0, gt=0)
    default_max_seconds: float = Field(default=300.0, gt=0, le=3600)
    hostname: str = Field(default_factory=socket.gethostname)
    token: SecretStr | None = None
    token_file: Path | None = None
    cadence_minutes: float = Field(default=15.0, gt=0)
    cadence_grace_minutes: float = Field(default=5.0, ge=0)
    metrics_public: bool = False
    ping_url: str | None = None
    ping_timeout: float = Field(default=10.0, gt=0, le=120)
    retention: timedelta = timedelta(days=90)
    prune_interval_seconds: float = Field(default=86400.0, gt=0)
    prune_delay_seconds: float = Field(default=60.0, ge=0)
    notify: str = ""
    notify_after: int = Field(default=2, ge=1, le=100)
    notify_digest: int = Field(default=10, ge=1)
    notify_timeout: float = Field(default=5.0, gt=0, le=60)

    @field_validator("retention", mode="before")
    @classmethod
    def _retention(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return parse_duration(value)
            except DurationError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        home = value.expanduser().resolve()
        if home.exists() and not home.is_dir():
            raise ValueError(f"{home} exists and is not a directory")
        return home

    @field_validator("ping_url", mode="after")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        problem = check_url_problem(value)
        if problem is not None:
            raise ValueError(f"{problem}; fix or unset it")
        return value.rstrip("/")


WHOLE_TEXT = [
    "12", " 12 ", "+12", "-1", "0", "00012", "12.0", "12.00", "0.0", "-12.0", "1_0", "1_0.0",
    " +1_000.000 ", "12\n", "\t12\x0b", "\u00a012", "12\u2003", "257", "256", "1",
    "12.5", "12.", ".0", "1__0", "_1", "1_", "12.0_0", "0x10", "0b1", "0o7", "1e1", "1.0e1",
    "+-1", "", " ", "many", "\u0663", "\uff11\uff12", "12.000000000000000000001", "9" * 30,
]  # fmt: skip
NUMBER_TEXT = [
    "1.5", " 2 ", "0", "-0", "-1", "1e3", "1_000", "1_000.5", "1.5_0", "1_0e1_0", ".5", "5.",
    "12\n", "\u00a01.5", "1.5\u2003", "3600", "3600.0001", "60", "60.0001", "120", "1e-300",
    "", "1,5", "0x1", "0x1p3", "1e", "1__0", "_1", "1_", "\u0661.\u0665", "\uff11.5",
    "nan", "-nan", "+nan", "NaN", "nan(1)", "inf", "-inf", "+inf", "INF", "infinity",
    "inFinIty", "  inf  ", "1e400", "-1e400",
]  # fmt: skip
FLAG_TEXT = [
    "1", "0", "true", "True", "TRUE", "false", "yes", "YES", "yEs", "no", "on", "off", "On",
    "t", "f", "T", "y", "n", "N",
    " yes", "yes ", "2", "", "none", "1.0", "tru", "enabled", "-1",
]  # fmt: skip
DURATION_TEXT = ["90d", "12w", " 2h ", "15m", "90s", "1 d", "0d", "90", "PT1H", "12 parsecs", ""]
TEXT = ["", " x ", "postgresql+psycopg://u@h/db", "~/fleet.yaml", "."]
URL_TEXT = [
    "",
    "  ",
    "https://hc-ping.com/abc",
    "https://hc-ping.com/abc/",
    " http://x/y ",
    "ftp://x",
]

WHOLE_CODE: list[object] = [12, 12.0, 12.5, True, False, 0, 257, 2**70, None, [1], "7"]
NUMBER_CODE: list[object] = [3, 1.5, 0, 0.0, -1, True, False, None, float("nan"), [1], "2"]
FLAG_CODE: list[object] = [True, False, 1, 0, 2, -1, 1.0, 0.0, 0.5, None, [1]]
DURATION_CODE: list[object] = [timedelta(days=2), timedelta(0), 3600, 1.5, None, [1]]
TEXT_CODE: list[object] = ["x", 1, None, 1.5, [1]]
PATH_CODE: list[object] = [Path("a"), "a", 1, None]
TOKEN_CODE: list[object] = ["x", "", SecretStr("y"), 1, None]

INPUTS: dict[str, list[object]] = {
    "workers": [*WHOLE_TEXT, *WHOLE_CODE],
    "notify_after": ["100", "101", *WHOLE_CODE],
    "notify_digest": ["1", "0", "100000", *WHOLE_CODE],
    "fetch_timeout": [*NUMBER_TEXT, *NUMBER_CODE],
    "git_timeout": ["inf", "0", "0.001"],
    "default_max_seconds": ["inf", "nan", "3600", "3600.0001", "0.5"],
    "ping_timeout": ["120", "120.5", "inf"],
    "notify_timeout": ["60", "61", "inf"],
    "cadence_minutes": ["inf", "0", "0.1"],
    "cadence_grace_minutes": [*NUMBER_TEXT, *NUMBER_CODE],
    "prune_interval_seconds": ["inf", "0.2"],
    "prune_delay_seconds": ["inf", "0", "-0.0", "nan"],
    "metrics_public": [*FLAG_TEXT, *FLAG_CODE],
    "retention": [*DURATION_TEXT, *DURATION_CODE],
    "database_url": [*TEXT, *TEXT_CODE],
    "hostname": [*TEXT, *TEXT_CODE],
    "notify": [*TEXT, *TEXT_CODE],
    "config_file": [*TEXT, *PATH_CODE],
    "token_file": [*TEXT, *PATH_CODE],
    "token": [*TEXT, *TOKEN_CODE],
    "ping_url": [*URL_TEXT, None, 1],
}

# What pydantic let through and these settings refuse, on purpose.
INFINITE = "a timeout or interval of inf is none at all, and every git command here has one"
DELIBERATELY_REFUSED: dict[tuple[str, str], str] = {
    **{
        (name, text): INFINITE
        for name in (
            "fetch_timeout",
            "git_timeout",
            "cadence_minutes",
            "cadence_grace_minutes",
            "prune_interval_seconds",
            "prune_delay_seconds",
        )
        for text in ("'inf'", "'+inf'", "'INF'", "'infinity'", "'inFinIty'", "'  inf  '", "'1e400'")
    },
    ("retention", "True"): "a flag is not a duration (pydantic read True as one second)",
}


def _key(name: str, value: object) -> tuple[str, str]:
    return (name, repr(value))


def _old(name: str, value: object) -> tuple[bool, object]:
    try:
        return True, _plain(getattr(PydanticSettings(**{name: value}), name))
    except ValidationError:
        return False, None


def _new(name: str, value: object) -> tuple[bool, object]:
    given = Secret(value.get_secret_value()) if isinstance(value, SecretStr) else value
    try:
        return True, _plain(getattr(Settings(**{name: given}), name))
    except ConfigError:
        return False, None


def _plain(value: object) -> object:
    if isinstance(value, SecretStr | Secret):
        return ("secret", value.get_secret_value())
    return value


CASES = [(name, value) for name, values in INPUTS.items() for value in values]


@pytest.mark.parametrize(("name", "value"), CASES, ids=[f"{n}={v!r}" for n, v in CASES])
def test_it_accepts_and_refuses_what_pydantic_did(name: str, value: object) -> None:
    old, new = _old(name, value), _new(name, value)

    if _key(name, value) in DELIBERATELY_REFUSED:
        assert old[0] and not new[0], "no longer a difference: drop it from the list"
    else:
        assert new == old


@pytest.mark.parametrize(("name", "value"), [("workers", "12.0"), ("metrics_public", "On")])
def test_the_environment_gives_what_code_gives(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    # The table gives values in code; the environment's text takes the same road.
    monkeypatch.setenv(f"STATEHUB_{name.upper()}", value)

    assert getattr(Settings(), name) == getattr(Settings(**{name: value}), name)


def test_the_table_covers_every_setting_and_they_match_the_old_model() -> None:
    assert list(knobs()) == list(PydanticSettings.model_fields)
    assert {name for name, _ in CASES} | {"home"} == set(knobs())
    old = PydanticSettings().model_dump()
    new = {name: getattr(Settings(), name) for name in knobs()}
    assert new == old  # the defaults too


def test_the_home_is_checked_as_before(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")
    for value in [tmp_path / "new", str(tmp_path), "~", str(a_file), "", 1]:
        assert _new("home", value) == _old("home", value), value
