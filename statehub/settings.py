"""One settings object, read from the environment and validated at start-up.

Nothing is built at import time: ``Settings()`` is called by the CLI or the app
factory and passed on explicitly.

The environment is read here, by ``environment_values``, as pydantic-settings read it for
these fields (plain values, no ``.env`` file, no JSON): pydantic-settings imports asyncio,
argparse and python-dotenv and reads its sources at every start, about a tenth of what the
timer's ``statehub sweep --json`` took in all (issue 15).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from durations import DurationError, parse_duration
from hcping import check_url_problem
from statehub.errors import ConfigError


def default_home() -> Path:
    """``$XDG_STATE_HOME/statehub``, i.e. ``~/.local/state/statehub`` by default."""
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "statehub"


ENV_PREFIX = "STATEHUB_"


class Settings(BaseModel):
    """Every knob State Hub has. Environment variables are ``STATEHUB_<NAME>``; values
    given to ``Settings(...)`` win over them. Defaults are validated too (the home)."""

    model_config = ConfigDict(extra="ignore", validate_default=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**environment_values(), **values})

    home: Path = Field(default_factory=default_home, description="state directory")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in home"
    )
    config_file: Path | None = Field(
        default=None, description="YAML fleet config; default: home/config.yaml when present"
    )
    workers: int = Field(
        # A fetch mostly waits on the network, so this is high whatever the CPU count;
        # the engine runs local git work (status, for-each-ref) at most 4 x CPUs at once.
        default=32,
        ge=1,
        le=256,
        description="repos in flight at once in a sweep (fetches are I/O-bound)",
    )
    fetch_timeout: float = Field(
        default=120.0, gt=0, description="seconds one `git fetch` may take"
    )
    git_timeout: float = Field(
        default=60.0, gt=0, description="seconds one local git command may take"
    )
    default_max_seconds: float = Field(default=300.0, gt=0, le=3600)
    hostname: str = Field(default_factory=socket.gethostname)
    token: SecretStr | None = None
    token_file: Path | None = None
    cadence_minutes: float = Field(default=15.0, gt=0)
    cadence_grace_minutes: float = Field(default=5.0, ge=0)
    # Metrics (GET /metrics): behind the token like the rest of the API, unless the operator
    # opens them explicitly for a loopback Prometheus that holds no token.
    metrics_public: bool = Field(
        default=False, description="serve GET /metrics without the bearer token"
    )
    # The dead man's switch (statehub.notify.ping): a healthchecks.io-compatible check URL
    # pinged when each sweep starts and ends, so a host that is off is noticed from outside.
    ping_url: str | None = Field(
        default=None, description="check URL, e.g. https://hc-ping.com/<uuid>; unset: no pings"
    )
    ping_timeout: float = Field(
        default=10.0, gt=0, le=120, description="seconds one ping may take (the CLI waits this)"
    )
    # Retention (statehub prune, and the server once a day): progress events and repo
    # changes older than this go, but for what is still read (statehub.store.retention).
    retention: timedelta = Field(
        default=timedelta(days=90), description="e.g. 90d: how long history is kept"
    )
    prune_interval_seconds: float = Field(default=86400.0, gt=0, description="server's prune")
    prune_delay_seconds: float = Field(default=60.0, ge=0, description="first one after start")

    @field_validator("retention", mode="before")
    @classmethod
    def _retention(cls, value: object) -> object:
        # The project's one grammar (90d, 12w), not pydantic's ISO 8601 or bare seconds.
        if isinstance(value, str):
            try:
                return parse_duration(value)
            except DurationError as exc:
                raise ValueError(str(exc)) from None
        return value

    # Notifications (statehub.notify): where alerts go, and how much it takes to send one.
    notify: str = Field(
        default="", description="Apprise URLs, space-separated (also `notify:` in the config)"
    )
    notify_after: int = Field(
        default=2, ge=1, le=100, description="sweeps a repo's new state must hold to be announced"
    )
    notify_digest: int = Field(
        default=10, ge=1, description="more repos changing in one sweep than this: one digest"
    )
    notify_timeout: float = Field(
        default=5.0, gt=0, le=60, description="seconds one delivery attempt may take"
    )

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        home = value.expanduser().resolve()
        if home.exists() and not home.is_dir():
            raise ValueError(
                f"{home} exists and is not a directory; point STATEHUB_HOME at a directory "
                "(it is created if missing)"
            )
        return home

    @field_validator("ping_url", mode="after")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None  # STATEHUB_PING_URL= (empty) is the same as unset
        value = value.strip()
        problem = check_url_problem(value)
        if problem is not None:
            raise ValueError(f"{problem}; fix or unset it")
        return value.rstrip("/")

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


def environment_values(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Each setting's ``STATEHUB_<NAME>`` variable that is set, by field name: the name in
    any case (``statehub_workers`` too; of two spellings, the later in the environment
    wins), the value as it is, for the field's own validation."""
    prefix = ENV_PREFIX.lower()
    fields = Settings.model_fields
    found: dict[str, str] = {}
    for key, value in environ.items():
        lowered = key.lower()
        if lowered.startswith(prefix) and lowered[len(prefix) :] in fields:
            found[lowered[len(prefix) :]] = value
    return found


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, turning validation errors into a ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'_'.join(str(p) for p in err['loc']).upper()}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings — {problems}") from None
