"""One settings object, read from the environment and validated at start-up.

Nothing is built at import time: ``Settings()`` is called by the CLI or the app
factory and passed on explicitly.

Each knob is declared once, as a field of ``Settings``: its type, its default, and in the
field's metadata its ``Knob`` — the parser that reads it from the environment's text or from a
value given in code, its bounds and what it means. The parsers take what pydantic took for
these types (``tests/settings/test_parity.py`` runs the same inputs through both), in the
standard library alone: pydantic's import, plugin scan and model build cost the timer's
``statehub sweep --json`` about 110-150 ms of every start (issue 15). The environment is read
as pydantic-settings read it for these fields (plain values, no ``.env`` file, no JSON).
"""

from __future__ import annotations

import math
import os
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar, overload

from durations import DurationError, parse_duration
from hcping import check_url_problem
from statehub.errors import ConfigError

ENV_PREFIX = "STATEHUB_"

T = TypeVar("T")


def default_home() -> Path:
    """``$XDG_STATE_HOME/statehub``, i.e. ``~/.local/state/statehub`` by default."""
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "statehub"


class Secret:
    """A string that shows as ``**********`` in every repr, log line and traceback: the API
    token. ``get_secret_value()`` is the one way to read it (as pydantic's SecretStr)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


# The parsers: each takes the environment's text or a value given in code and returns the
# field's value, or raises ValueError with a message that says what was wrong.

# pydantic's lax int: blanks around, ASCII digits with single underscores between them, and a
# fraction only if it is all zeros ("12.0"); not "1e1", "0x10" or other scripts' digits.
_WHOLE = re.compile(r"[+-]?[0-9](?:_?[0-9])*(?:\.0+)?", re.ASCII)
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_BOOLEAN_WORDS = "1/0, true/false, yes/no, on/off, t/f, y/n"


def _kind(value: object) -> str:
    # The type, not the value: the value may be the token or a URL with a password.
    return f"a value of type {type(value).__name__}"


def whole(value: object) -> int:
    """A whole number: ``12``, ``" 12 "``, ``"+1_000"``, ``"12.0"``; an integral float in code."""
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"expected a whole number, got {value!r}")
    if isinstance(value, str):
        digits = value.strip()
        if _WHOLE.fullmatch(digits):
            return int(digits.partition(".")[0])
        raise ValueError(f"expected a whole number, got {value!r}")
    raise ValueError(f"expected a whole number, got {_kind(value)}")


def number(value: object) -> float:
    """A finite number: ``1.5``, ``" 2 "``, ``"1e3"``, ``"1_000.5"``. Not ``inf`` or ``nan``:
    pydantic let ``inf`` through where no upper bound stopped it, and a timeout of ``inf``
    is no timeout (every git command here has one)."""
    if isinstance(value, str):
        digits = value.strip()
        try:
            # float() alone would also read other scripts' digits, which pydantic refused.
            if not digits.isascii():
                raise ValueError
            parsed = float(digits)
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
    elif isinstance(value, int | float):
        try:
            parsed = float(value)
        except OverflowError:
            parsed = math.inf
    else:
        raise ValueError(f"expected a number, got {_kind(value)}")
    if not math.isfinite(parsed):
        raise ValueError(f"expected a finite number, got {value!r}")
    return parsed


def flag(value: object) -> bool:
    """A boolean: 1/0, true/false, yes/no, on/off, t/f, y/n in any case; 1 or 0 in code."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    shown = repr(value) if isinstance(value, str | int | float) else _kind(value)
    raise ValueError(f"expected a boolean ({_BOOLEAN_WORDS}), got {shown}")


def text(value: object) -> str:
    if isinstance(value, str):
        return value
    raise ValueError(f"expected a string, got {_kind(value)}")


def path(value: object) -> Path:
    if isinstance(value, str | os.PathLike):
        return Path(value)
    raise ValueError(f"expected a path, got {_kind(value)}")


def duration(value: object) -> timedelta:
    """Text in the project's one grammar (``90d``, ``12w``), not ISO 8601 or bare seconds;
    in code a timedelta, or seconds as a number (as pydantic took them)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except DurationError as exc:
            raise ValueError(str(exc)) from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return timedelta(seconds=value)
        except (OverflowError, ValueError):
            raise ValueError(f"{value!r} seconds is not a duration datetime can hold") from None
    raise ValueError(f"expected a duration like 90d, got {_kind(value)}")


def secret(value: object) -> Secret:
    if isinstance(value, Secret):
        return value
    return Secret(text(value))


def optional(parse: Callable[[object], T]) -> Callable[[object], T | None]:
    """``parse``, and None (given in code) for unset."""

    def parse_or_none(value: object) -> T | None:
        return None if value is None else parse(value)

    return parse_or_none


def home_directory(value: object) -> Path:
    home = path(value).expanduser().resolve()
    if home.exists() and not home.is_dir():
        raise ValueError(
            f"{home} exists and is not a directory; point STATEHUB_HOME at a directory "
            "(it is created if missing)"
        )
    return home


def check_url(value: object) -> str | None:
    if value is None or not text(value).strip():
        return None  # STATEHUB_PING_URL= (empty) is the same as unset
    url = text(value).strip()
    problem = check_url_problem(url)
    if problem is not None:
        raise ValueError(f"{problem}; fix or unset it")
    return url.rstrip("/")


@dataclass(frozen=True)
class Knob:
    """How one setting is read: its parser, its bounds (numbers only) and what it means."""

    parse: Callable[[object], Any]
    description: str = ""
    ge: float | None = None
    gt: float | None = None
    le: float | None = None

    def read(self, value: object) -> Any:
        parsed = self.parse(value)
        if isinstance(parsed, int | float) and not isinstance(parsed, bool):
            self._check_bounds(parsed)
        return parsed

    def _check_bounds(self, value: float) -> None:
        if self.ge is not None and value < self.ge:
            raise ValueError(f"must be at least {self.ge:g}, got {value!r}")
        if self.gt is not None and value <= self.gt:
            raise ValueError(f"must be greater than {self.gt:g}, got {value!r}")
        if self.le is not None and value > self.le:
            raise ValueError(f"must be at most {self.le:g}, got {value!r}")


@overload
def knob(
    default: T,
    parse: Callable[[object], T],
    description: str = "",
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
) -> T: ...
@overload
def knob(
    *,
    factory: Callable[[], T],
    parse: Callable[[object], T],
    description: str = "",
) -> T: ...
def knob(
    default: object = MISSING,
    parse: Callable[[object], object] = text,
    description: str = "",
    *,
    factory: Callable[[], object] | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
) -> Any:
    """A ``Settings`` field and its ``Knob``; typed so that mypy holds the default and the
    parser to the field's declared type."""
    metadata = {"knob": Knob(parse, description, ge=ge, gt=gt, le=le)}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True, init=False)
class Settings:
    """Every knob State Hub has. Environment variables are ``STATEHUB_<NAME>``; values
    given to ``Settings(...)`` win over them, unknown names are ignored. Defaults are
    validated too (the home). Change one with ``dataclasses.replace``, which validates."""

    home: Path = knob(factory=default_home, parse=home_directory, description="state directory")
    database_url: str | None = knob(
        None, optional(text), "SQLAlchemy URL; default: SQLite file in home"
    )
    config_file: Path | None = knob(
        None, optional(path), "YAML fleet config; default: home/config.yaml when present"
    )
    # A fetch mostly waits on the network, so this is high whatever the CPU count;
    # the engine runs local git work (status, for-each-ref) at most 4 x CPUs at once.
    workers: int = knob(
        32, whole, "repos in flight at once in a sweep (fetches are I/O-bound)", ge=1, le=256
    )
    fetch_timeout: float = knob(120.0, number, "seconds one `git fetch` may take", gt=0)
    git_timeout: float = knob(60.0, number, "seconds one local git command may take", gt=0)
    default_max_seconds: float = knob(
        300.0, number, "seconds a sweep may take when the request names none", gt=0, le=3600
    )
    hostname: str = knob(factory=socket.gethostname, parse=text, description="this host's name")
    token: Secret | None = knob(None, optional(secret), "bearer token the API requires")
    token_file: Path | None = knob(None, optional(path), "file holding the bearer token")
    cadence_minutes: float = knob(
        15.0, number, "minutes between the sweeps expected (the slots)", gt=0
    )
    cadence_grace_minutes: float = knob(
        5.0, number, "minutes past its slot before a sweep is overdue", ge=0
    )
    # Metrics (GET /metrics): behind the token like the rest of the API, unless the operator
    # opens them explicitly for a loopback Prometheus that holds no token.
    metrics_public: bool = knob(False, flag, "serve GET /metrics without the bearer token")
    # The dead man's switch (statehub.notify.ping): a healthchecks.io-compatible check URL
    # pinged when each sweep starts and ends, so a host that is off is noticed from outside.
    ping_url: str | None = knob(
        None, check_url, "check URL, e.g. https://hc-ping.com/<uuid>; unset: no pings"
    )
    ping_timeout: float = knob(
        10.0, number, "seconds one ping may take (the CLI waits this)", gt=0, le=120
    )
    # Retention (statehub prune, and the server once a day): progress events and repo
    # changes older than this go, but for what is still read (statehub.store.retention).
    retention: timedelta = knob(timedelta(days=90), duration, "e.g. 90d: how long history is kept")
    prune_interval_seconds: float = knob(86400.0, number, "server's prune", gt=0)
    prune_delay_seconds: float = knob(60.0, number, "first one after start", ge=0)
    # Notifications (statehub.notify): where alerts go, and how much it takes to send one.
    notify: str = knob("", text, "Apprise URLs, space-separated (also `notify:` in the config)")
    notify_after: int = knob(
        2, whole, "sweeps a repo's new state must hold to be announced", ge=1, le=100
    )
    notify_digest: int = knob(
        10, whole, "more repos changing in one sweep than this: one digest", ge=1
    )
    notify_timeout: float = knob(5.0, number, "seconds one delivery attempt may take", gt=0, le=60)

    def __init__(self, **values: object) -> None:
        given = {**environment_values(), **values}
        problems: list[str] = []
        for spec in fields(self):
            raw = given[spec.name] if spec.name in given else _default(spec)
            try:
                # Frozen: the one place a value is set is here, once.
                object.__setattr__(self, spec.name, spec.metadata["knob"].read(raw))
            except ValueError as exc:
                problems.append(f"{ENV_PREFIX}{spec.name.upper()}: {exc}")
        if problems:
            raise ConfigError(f"invalid settings — {'; '.join(problems)}")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'statehub.db'}"

    @property
    def resolved_config_file(self) -> Path | None:
        if self.config_file is not None:
            return self.config_file.expanduser()
        candidate = self.home / "config.yaml"
        return candidate if candidate.exists() else None

    @property
    def lock_path(self) -> Path:
        return self.home / "sweep.lock"

    def api_token(self) -> str | None:
        """The bearer token the API requires, or None when auth is off."""
        if self.token is not None and self.token.get_secret_value():
            return self.token.get_secret_value()
        if self.token_file is not None:
            try:
                value = self.token_file.expanduser().read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    f"STATEHUB_TOKEN_FILE={self.token_file} cannot be read: {exc.strerror}"
                ) from exc
            if not value:
                raise ConfigError(f"STATEHUB_TOKEN_FILE={self.token_file} is empty")
            return value
        return None


def _default(spec: Field[Any]) -> object:
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    return spec.default


def knobs() -> dict[str, Knob]:
    """Every setting's ``Knob`` by field name, in declaration order (for listings)."""
    return {spec.name: spec.metadata["knob"] for spec in fields(Settings)}


def environment_values(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Each setting's ``STATEHUB_<NAME>`` variable that is set, by field name: the name in
    any case (``statehub_workers`` too; of two spellings, the later in the environment
    wins), the value as it is, for the field's own parser."""
    prefix = ENV_PREFIX.lower()
    names = {spec.name for spec in fields(Settings)}
    found: dict[str, str] = {}
    for key, value in environ.items():
        lowered = key.lower()
        if lowered.startswith(prefix) and lowered[len(prefix) :] in names:
            found[lowered[len(prefix) :]] = value
    return found


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, values given here winning; every bad value is
    named, by its variable, in one ConfigError."""
    return Settings(**overrides)
