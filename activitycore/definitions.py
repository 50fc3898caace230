"""Activity definitions: YAML files, one activity each, into validated typed objects.

Loading is plain synchronous code, done before any event loop starts (as in Temporal's DSL
sample): parse, substitute ``${VAR}`` from the environment, validate. Every problem is reported
as ``FILE:LINE: FIELD: what was expected`` — the line comes from PyYAML's node marks, so an
operator can jump straight to it — and all problems of all files are reported at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from uuid import UUID

import yaml
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from activitycore import cron
from activitycore.errors import DefinitionError
from hcping import check_url_problem

DEFINITION_SUFFIXES = (".yaml", ".yml")


class _Strict(BaseModel):
    # Unknown keys are errors: a typo such as `enable: false` must not silently leave an
    # activity enabled.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class HttpRequest(_Strict):
    """The HTTP call an activity makes."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    url: str
    body: JsonValue = Field(default=None, alias="json")
    headers: dict[str, str] = Field(default_factory=dict)
    respond_async: bool = Field(
        default=False,
        description="send `Prefer: respond-async`; on 202 + Location, poll the Location "
        "until its status is no longer `running` (long calls survive idle-dropping tunnels)",
    )
    poll_interval_seconds: float = Field(default=5.0, gt=0, le=300)
    run_context: bool = Field(
        default=True,
        description="add triggered_by/caller_run_id to a JSON object body (explicit keys win)",
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"expected an absolute http(s) URL, got {value!r}")
        return value

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class RetrySettings(_Strict):
    """How Temporal retries a failed attempt (connection errors, 5xx, 408, 429)."""

    maximum_attempts: int = Field(default=5, ge=1, le=1000)
    initial_interval_seconds: float = Field(default=5.0, gt=0)
    backoff_coefficient: float = Field(default=2.0, ge=1)
    maximum_interval_seconds: float = Field(default=120.0, gt=0)


class Action(_Strict):
    http: HttpRequest
    context_key: str = Field(max_length=100)
    timeout_seconds: float = Field(
        default=600.0, gt=0, le=86400, description="one attempt, polling included"
    )
    retry: RetrySettings = Field(default_factory=RetrySettings)

    @field_validator("context_key")
    @classmethod
    def _identifier(cls, value: str) -> str:
        # The key is used verbatim in SQL (`context_snapshot->'key'`), so keep it plain.
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(
                f"expected a plain identifier (letters, digits, _; not starting with a digit), "
                f"got {value!r}"
            )
        return value


class Definition(_Strict):
    id: UUID
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    trigger: str
    timezone: str = "UTC"
    misfire_policy: Literal["skip", "catch_up"] = "skip"
    enabled: bool = True
    action: Action
    # A dead man's switch (healthchecks.io-compatible check URL): pinged /start when a run
    # starts and success or /fail when it ends (activitycore.ping). Its path is a secret:
    # write it as ${VARIABLE} so the file can be shared.
    ping_url: str | None = None

    @field_validator("ping_url", mode="after")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None  # `ping_url: ${HC_URL:-}` with the variable unset: no pings
        problem = check_url_problem(value.strip())
        if problem is not None:
            raise ValueError(problem)
        return value.strip().rstrip("/")

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        if value != value.strip() or not value.strip():
            raise ValueError("expected a non-blank name without leading/trailing spaces")
        return value

    @field_validator("trigger")
    @classmethod
    def _cron(cls, value: str) -> str:
        return cron.validate(value)

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"expected an IANA time zone such as UTC or Europe/Berlin, got {value!r}"
            ) from None
        return value

    def document(self) -> dict[str, Any]:
        """The definition as JSON-ready data, as stored in the database."""
        document = self.model_dump(mode="json", by_alias=True)
        if document.get("ping_url") is None:
            # Absent rather than null: a definition without a ping keeps the digest it had
            # before ping_url existed, so an upgrade does not rewrite every schedule.
            document.pop("ping_url", None)
        return document

    def digest(self) -> str:
        """A fingerprint that changes whenever anything in the definition does."""
        canonical = json.dumps(self.document(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class LoadedDefinition:
    definition: Definition
    path: Path


def load_definitions(
    directories: Sequence[Path], variables: Mapping[str, str]
) -> list[LoadedDefinition]:
    """Load every ``*.yaml``/``*.yml`` file directly inside each directory.

    Raises :class:`DefinitionError` listing every problem found, including ids or names
    used by two files.
    """
    problems: list[str] = []
    loaded: list[LoadedDefinition] = []
    for directory in directories:
        if not directory.is_dir():
            problems.append(f"{directory}: not a directory (check ACTIVITY_DEFINITION_DIRS)")
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix in DEFINITION_SUFFIXES and path.is_file():
                try:
                    loaded.append(LoadedDefinition(load_file(path, variables), path))
                except DefinitionError as exc:
                    problems.extend(exc.problems)
    problems.extend(_duplicates(loaded))
    if problems:
        raise DefinitionError(problems)
    return loaded


def _duplicates(loaded: list[LoadedDefinition]) -> list[str]:
    problems = []
    for attribute in ("id", "name"):
        seen: dict[str, Path] = {}
        for item in loaded:
            key = str(getattr(item.definition, attribute))
            if key in seen:
                problems.append(f"{item.path}: {attribute}: {key!r} is already used by {seen[key]}")
            else:
                seen[key] = item.path
    return problems


def load_file(path: Path, variables: Mapping[str, str]) -> Definition:
    """Parse, substitute and validate one definition file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([f"{path}: cannot be read: {exc}"]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError([f"{where}: invalid YAML: {problem}"]) from None
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise DefinitionError([f"{path}:1: expected a mapping of fields (id, name, trigger, …)"])
    problems = _duplicate_keys(path, root)
    data = _substitute(data, (), variables, path, root, problems)
    if problems:
        raise DefinitionError(problems)
    try:
        return Definition.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(
            [_describe(path, root, err) for err in exc.errors(include_url=False)]
        ) from None


def _describe(path: Path, root: yaml.Node, err: Any) -> str:
    loc = tuple(err["loc"])
    field = _field_name(loc)
    line = _line_of(root, loc)
    kind = err["type"]
    if kind == "missing":
        message = "required field is missing"
    elif kind == "extra_forbidden":
        message = f"unknown field (expected one of: {', '.join(_allowed_keys(loc[:-1]))})"
    else:
        message = str(err["msg"]).removeprefix("Value error, ")
        if kind not in ("value_error",) and not isinstance(err.get("input"), dict | list):
            message += f" (got {err.get('input')!r})"
    return f"{path}:{line}: {field}: {message}"


def _field_name(loc: tuple[Any, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "(file)"


def _line_of(root: yaml.Node, loc: Sequence[Any]) -> int:
    """The line of the deepest key (or list item) along ``loc`` that exists in the file.

    Keys rather than values: for ``action:`` followed by an indented block, the operator
    looks for the ``action:`` line, not the first line of the block.
    """
    node, line = root, root.start_mark.line + 1
    for part in loc:
        found = _child(node, part)
        if found is None:
            break
        marker, node = found
        line = marker.start_mark.line + 1
    return line


def _child(node: yaml.Node, part: Any) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key or item, value) node for one step of a location."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return key, value
    elif (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        return node.value[part], node.value[part]
    return None


def _allowed_keys(loc: Sequence[Any]) -> list[str]:
    model: type[BaseModel] = Definition
    for part in loc:
        field = model.model_fields.get(str(part)) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return [f.alias or name for name, f in model.model_fields.items()]


def _duplicate_keys(path: Path, node: yaml.Node) -> list[str]:
    # PyYAML keeps the last of two equal keys without a word; a definition with `enabled`
    # twice is almost certainly a mistake worth stopping for.
    problems: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                problems.append(f"{path}:{key.start_mark.line + 1}: {key.value}: duplicate key")
            seen.add(key.value)
            problems.extend(_duplicate_keys(path, value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            problems.extend(_duplicate_keys(path, item))
    return problems


_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _substitute(
    value: Any,
    loc: tuple[Any, ...],
    variables: Mapping[str, str],
    path: Path,
    root: yaml.Node,
    problems: list[str],
) -> Any:
    """Replace ``${VAR}`` (or ``${VAR:-default}``) in string values; ``$$`` is a literal ``$``."""
    if isinstance(value, dict):
        return {
            k: _substitute(v, (*loc, k), variables, path, root, problems) for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _substitute(v, (*loc, i), variables, path, root, problems) for i, v in enumerate(value)
        ]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in variables and variables[name] != "":
            return variables[name]
        if default is not None:
            return default
        problems.append(
            f"{path}:{_line_of(root, loc)}: {_field_name(loc)}: environment variable "
            f"{name} is not set (export it, or write ${{{name}:-default}})"
        )
        return match.group(0)

    return _VARIABLE.sub(replace, value)
