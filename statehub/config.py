"""The optional fleet config file (YAML), validated with file and line in every error.

# $STATEHUB_HOME/config.yaml (or STATEHUB_CONFIG_FILE)
repos:
  - path: ~/src/state-hub
    name: state-hub       # optional; default: the directory's name
    allow_push: true      # optional; fix mode may push branches that are only ahead
    trust_repo_config: false  # optional; true lets the repo's own config and hooks run
                              # programs during a sweep (docs/security.md)
discover:                 # optional; every work tree under these roots
  - ~/src
notify:                   # optional; Apprise URLs alerts are sent to (with STATEHUB_NOTIFY's)
  - ntfy://ntfy.example/statehub

A relative path (``path:`` or a ``discover:`` root) is relative to the file's own
directory, not to the directory State Hub was started from.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from statehub.errors import ConfigError

if TYPE_CHECKING:
    import yaml


# defer_build: the schemas are built when a config file is first read, not by every command
# that imports the registry (the timer's sweep usually has no file: issue 15).
class RepoEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    path: str = Field(min_length=1)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    allow_push: bool = False
    trust_repo_config: bool = False


class FleetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    repos: list[RepoEntry] = Field(default_factory=list)
    discover: list[str] = Field(default_factory=list)
    notify: list[str] = Field(default_factory=list)
    # Where each repos entry's path is written, for errors found after parsing.
    _source: str = PrivateAttr(default="the fleet config")
    _lines: list[int] = PrivateAttr(default_factory=list)
    _notify_lines: list[int] = PrivateAttr(default_factory=list)

    def notify_where(self, index: int) -> str:
        """The file, line and field of ``notify[index]``, for an Apprise URL found bad."""
        line = self._notify_lines[index] if index < len(self._notify_lines) else "?"
        return f"{self._source}, line {line}, field 'notify.{index}'"

    def where(self, index: int) -> str:
        """The file, line and field of ``repos[index].path``, as parse errors name them."""
        line = self._lines[index] if index < len(self._lines) else "?"
        return f"{self._source}, line {line}, field 'repos.{index}.path'"

    def anchored_at(self, directory: Path) -> FleetConfig:
        """This config with relative paths taken from ``directory`` (the file's own), not
        from whatever the working directory of the process reading it happens to be."""
        anchored = self.model_copy(
            update={
                "repos": [
                    e.model_copy(update={"path": _anchored(e.path, directory)}) for e in self.repos
                ],
                "discover": [_anchored(root, directory) for root in self.discover],
            }
        )
        anchored._source, anchored._lines = self._source, self._lines
        anchored._notify_lines = self._notify_lines
        return anchored


def _anchored(path: str, directory: Path) -> str:
    if path.startswith("~") or Path(path).is_absolute():
        return path
    return str(directory / path)


def _line_of(node: yaml.Node, loc: tuple[int | str, ...], *, key_itself: bool = False) -> int:
    """The 1-based line of the YAML node at ``loc`` (or of its nearest parent); with
    ``key_itself``, of the last key rather than its value (for an unknown key)."""
    import yaml

    for depth, key in enumerate(loc, 1):
        if isinstance(node, yaml.MappingNode):
            want_key = key_itself and depth == len(loc)
            match = next((k if want_key else v for k, v in node.value if k.value == key), None)
            if match is None:
                match = next((k for k, _ in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            match = node.value[key]
        else:
            match = None
        if match is None:
            break
        node = match
    return node.start_mark.line + 1


def parse_fleet_config(text: str, *, source: str) -> FleetConfig:
    # Imported here: most sweeps have no config file, and PyYAML is slow to import.
    import yaml

    try:
        node = yaml.compose(text)
        data: Any = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise ConfigError(f"{source}, line {line}: not valid YAML: {exc.problem}") from None
    except yaml.reader.ReaderError as exc:  # a control character: no mark, a position
        line = text.count("\n", 0, exc.position) + 1
        raise ConfigError(f"{source}, line {line}: not valid YAML: {exc.reason}") from None
    if data is None:
        return FleetConfig()
    if not isinstance(data, dict):
        raise ConfigError(f"{source}, line 1: expected a mapping with 'repos' and/or 'discover'")
    try:
        config = FleetConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        unknown = err["type"] == "extra_forbidden"
        line = _line_of(node, tuple(err["loc"]), key_itself=unknown) if node is not None else 1
        raise ConfigError(f"{source}, line {line}, field '{field}': {err['msg']}") from None
    config._source = source
    if node is not None:
        config._lines = [_line_of(node, ("repos", i, "path")) for i in range(len(config.repos))]
        config._notify_lines = [_line_of(node, ("notify", i)) for i in range(len(config.notify))]
    return config


def load_fleet_config(path: Path) -> FleetConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    return parse_fleet_config(text, source=str(path)).anchored_at(path.absolute().parent)
