"""A repository's own git configuration, read with file reads only — never a process.

What a repo controls is exactly what git would read from it: the common dir's ``config``,
``config.worktree`` when ``extensions.worktreeConfig`` is on, every file those include
(``include.path``, ``includeIf.<condition>.path``, relative to the including file, ``~``
expanded, cycles and depth bounded), and its submodules' configs (``<common>/modules/**``
and the ``.git`` of a submodule checked out with its own git dir). ``includeIf`` conditions
git may evaluate differently (``hasconfig:``) are taken as matching: reading too much only
neutralises more, never less.

Others reuse it for what git would otherwise be asked: remotes, a branch's upstream,
``core.worktree``, ``core.bare``.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from statehub.git.configsyntax import ConfigSyntaxError, parse_config, split_key

_MAX_INCLUDE_DEPTH = 10  # git's own limit (MAX_INCLUDE_DEPTH)
_MAX_SUBMODULE_DEPTH = 4
_MAX_SUBMODULES = 256
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0", ""}
_new = tuple.__new__


def parse_bool(value: str | None) -> bool | None:
    """git's boolean, or None when ``value`` is not one (then it is e.g. a path)."""
    if value is None:
        return True
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


class ConfigEntry(NamedTuple):
    """One entry (a tuple: a repo's config has dozens, read every sweep)."""

    key: str  # section and name lower-cased, subsection as written
    value: str | None  # None: a valueless boolean
    origin: Path  # the file it was read from
    scope: str  # "repo", "worktree" or "submodule"
    parts: tuple[str, str | None, str]  # (section, subsection, name)

    @classmethod
    def of(cls, key: str, value: str | None, origin: Path, scope: str) -> ConfigEntry:
        return cls(key, value, origin, scope, split_key(key))


@dataclass(frozen=True)
class RepoConfig:
    """Entries in git's order (the last of a key wins), and what could not be read."""

    git_dir: Path
    common_dir: Path
    entries: tuple[ConfigEntry, ...] = ()
    submodule_entries: tuple[ConfigEntry, ...] = ()
    problems: tuple[str, ...] = ()
    legacy_remotes: tuple[str, ...] = ()  # $GIT_DIR/remotes/<name>, $GIT_DIR/branches/<name>
    # The names in the git dir and in the common dir (the same listing in a plain clone) when
    # they were listed for this read: which files exist there, for a reader that would
    # otherwise look for each (the ref reader; an operation's marker files).
    git_dir_names: frozenset[str] = frozenset()
    common_dir_names: frozenset[str] = frozenset()

    def all_entries(self) -> tuple[ConfigEntry, ...]:
        return self.entries + self.submodule_entries

    @functools.cached_property
    def _by_key(self) -> dict[str, list[str | None]]:
        # Several lookups per repo and sweep: index the entries once.
        found: dict[str, list[str | None]] = {}
        for entry in self.entries:
            found.setdefault(entry.key, []).append(entry.value)
        return found

    def get_all(self, key: str) -> list[str | None]:
        return list(self._by_key.get(_canonical(key), ()))

    def get(self, key: str) -> str | None:
        """The value git would use (the last one); None when unset or valueless."""
        values = self._by_key.get(_canonical(key))
        return values[-1] if values else None

    def remotes(self) -> dict[str, tuple[str, ...]]:
        """Remote name → its urls, for every remote ``git fetch --all`` would fetch."""
        urls: dict[str, list[str]] = {}
        skipped: set[str] = set()
        for entry in self.entries:
            section, name, leaf = entry.parts
            if section != "remote" or name is None:
                continue
            if leaf == "url" and entry.value is not None:
                urls.setdefault(name, []).append(entry.value)
            elif leaf == "skipfetchall":
                (skipped.add if parse_bool(entry.value) else skipped.discard)(name)
        for legacy in self.legacy_remotes:
            urls.setdefault(legacy, [])
        return {name: tuple(u) for name, u in urls.items() if name not in skipped}

    def upstream(self, branch: str) -> tuple[str, str] | None:
        """(remote, merge ref) that ``branch`` tracks, or None."""
        remote = self.get(f"branch.{branch}.remote")
        merge = self.get(f"branch.{branch}.merge")
        if not remote or not merge:
            return None
        return remote, merge

    @property
    def worktree(self) -> Path | None:
        """``core.worktree`` resolved as git does: relative to the git dir."""
        value = self.get("core.worktree")
        if not value:
            return None
        return Path(os.path.normpath(self.git_dir / os.path.expanduser(value)))

    @property
    def bare(self) -> bool | None:
        values = self.get_all("core.bare")
        return parse_bool(values[-1]) if values else None


@functools.lru_cache(maxsize=1024)  # the same few keys are looked up in every repo
def _canonical(key: str) -> str:
    if key.count(".") == 1:
        return key.lower()
    section, sub, name = split_key(key)
    return f"{section.lower()}.{sub}.{name.lower()}" if sub is not None else key.lower()


@dataclass
class _Load:
    git_dir: Path
    scope: str
    entries: list[ConfigEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def read(
        self,
        path: Path,
        depth: int = 0,
        seen: frozenset[Path] = frozenset(),
        *,
        where: str | None = None,
    ) -> None:
        """Read the file at ``path`` (``where``: the same path as a str, when the caller has
        it: a Path's str is built on first use, and only the rare untrusted entry needs it)."""
        try:
            text = read_text(str(path) if where is None else where)
        except OSError as exc:
            self.problems.append(f"cannot read {path}: {exc.strerror}")
            return
        if text is None:
            return  # git ignores a missing include, and a repo may have no config.worktree
        try:
            raw = parse_config(text)
        except ConfigSyntaxError as exc:
            self.problems.append(f"{exc} in {path}")
            return
        append, scope = self.entries.append, self.scope
        for key, value, _, parts in raw:
            # tuple.__new__: the namedtuple without its Python-level constructor.
            append(_new(ConfigEntry, (key, value, path, scope, parts)))
            if key[:7] != "include":
                continue  # one string test for nearly every entry
            target = self._include_target(parts, value, path)
            if target is None:
                continue
            resolved = Path(os.path.realpath(target))
            if resolved in seen or depth >= _MAX_INCLUDE_DEPTH:
                self.problems.append(f"include of {target} from {path} nests too deep")
                continue
            self.read(target, depth + 1, seen | {resolved})

    def _include_target(
        self, parts: tuple[str, str | None, str], value: str | None, origin: Path
    ) -> Path | None:
        section, condition, leaf = parts
        if leaf != "path" or not value:
            return None
        unconditional = section == "include" and condition is None
        conditional = section == "includeif" and condition is not None
        if not unconditional and not (
            conditional and _condition_holds(condition or "", origin, self.git_dir)
        ):
            return None
        expanded = Path(os.path.expanduser(value))
        return expanded if expanded.is_absolute() else origin.parent / expanded


def _condition_holds(condition: str, origin: Path, git_dir: Path) -> bool:
    for prefix, icase in (("gitdir:", False), ("gitdir/i:", True)):
        if condition.startswith(prefix):
            pattern = _gitdir_pattern(condition[len(prefix) :], origin)
            candidates = {str(git_dir.absolute()), os.path.realpath(git_dir)}
            return any(_wildmatch(pattern, c, icase) for c in candidates)
    if condition.startswith("onbranch:"):
        pattern = condition[len("onbranch:") :]
        pattern += "**" if pattern.endswith("/") else ""
        branch = _branch_of(git_dir)  # read only for a repo that asks
        return branch is not None and _wildmatch(pattern, branch, False)
    # hasconfig:remote.*.url: and conditions newer than this reader: include (safe side).
    return condition.startswith("hasconfig:")


def _gitdir_pattern(pattern: str, origin: Path) -> str:
    if pattern.startswith("~/"):
        pattern = os.path.expanduser(pattern)
    elif pattern.startswith("./"):
        pattern = f"{origin.parent}/{pattern[2:]}"
    if not pattern.startswith("/"):
        pattern = f"**/{pattern}"
    return f"{pattern}**" if pattern.endswith("/") else pattern


def _wildmatch(pattern: str, text: str, icase: bool) -> bool:
    """git's wildmatch with WM_PATHNAME: ``*`` stays within a directory, ``**`` spans them."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body[:1] in "!^" else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    flags = re.IGNORECASE if icase else 0
    return re.fullmatch("".join(out), text, flags) is not None


def read_text(path: str, *, follow_symlinks: bool = True) -> str | None:
    """A small file's text, or None when it does not exist; other OSErrors are raised.

    ``os.open``/``os.read`` rather than ``open()``: a sweep reads a config per repo, and the
    buffered text layer costs more than the read itself. ``follow_symlinks=False``: a
    symlink raises OSError (ELOOP).
    """
    flags = os.O_RDONLY | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "surrogateescape")


def _read_small(path: Path | str) -> str | None:
    try:
        return read_text(str(path))
    except OSError:
        return None


def common_dir_of(git_dir: Path, present: Set[str] | None = None) -> Path:
    """A linked worktree's git dir names the shared one in ``commondir``."""
    if present is not None and "commondir" not in present:
        return git_dir
    text = _read_small(git_dir / "commondir")
    if text is None or not text.strip():
        return git_dir
    common = Path(text.strip())
    return common if common.is_absolute() else Path(os.path.normpath(git_dir / common))


def _branch_of(git_dir: Path) -> str | None:
    head = _read_small(git_dir / "HEAD") or ""
    ref = head.strip().removeprefix("ref: ")
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None


def _last(entries: list[ConfigEntry], key: str, default: str) -> str | None:
    for entry in reversed(entries):
        if entry.key == key:
            return entry.value
    return default


def _load_one(git_dir: Path, scope: str, common: Path | None = None) -> _Load:
    common = common_dir_of(git_dir) if common is None else common
    load = _Load(git_dir=git_dir, scope=scope)
    load.read(common / "config", where=f"{common}/config")
    if parse_bool(_last(load.entries, "extensions.worktreeconfig", "false")):
        load.scope = "worktree" if scope == "repo" else scope
        load.read(git_dir / "config.worktree")
        load.scope = scope
    return load


def _legacy_remotes(common: Path, present: Set[str]) -> tuple[str, ...]:
    names: list[str] = []
    for folder in ("remotes", "branches"):
        if folder not in present:
            continue
        try:
            names.extend(sorted(os.listdir(common / folder)))
        except OSError:
            continue
    return tuple(names)


def _module_git_dirs(common: Path) -> Iterator[Path]:
    """Absorbed submodules' git dirs under ``modules/`` (names may hold slashes)."""
    found = 0
    stack = [(common / "modules", 0)]
    while stack and found < _MAX_SUBMODULES:
        folder, depth = stack.pop()
        try:
            children = list(os.scandir(folder))
        except OSError:
            continue
        names = {c.name for c in children}
        if "HEAD" in names and "config" in names:
            found += 1
            yield folder
            stack.append((folder / "modules", depth + 1))
            continue
        if depth < _MAX_SUBMODULE_DEPTH * 4:
            stack.extend(
                (Path(c.path), depth + 1) for c in children if c.is_dir(follow_symlinks=False)
            )


def _listing(folder: Path) -> frozenset[str]:
    try:
        return frozenset(os.listdir(folder))
    except OSError:
        return frozenset()


def load_repo_config(git_dir: Path) -> RepoConfig:
    """Everything the repo at ``git_dir`` configures for itself, with the configs of the
    submodules absorbed under its ``modules/``.

    One directory listing of the git dir says which of the optional files exist, so a
    plain clone costs that listing and its config. Submodules checked out in the work tree
    are found through ``.gitmodules`` by ``statehub.git.submodules``, the one walk that
    decides what status may recurse into: only a repo whose config is not trusted needs it.
    """
    present = _listing(git_dir)
    common = common_dir_of(git_dir, present)
    # common_dir_of gives git_dir itself back when there is no commondir file: no compare.
    common_present = present if common is git_dir or common == git_dir else _listing(common)
    main = _load_one(git_dir, "repo", common)
    submodule_entries: list[ConfigEntry] = []
    problems = list(main.problems)
    sub_dirs = _module_git_dirs(common) if "modules" in common_present else ()
    for sub_dir in sub_dirs:
        sub = _load_one(sub_dir, "submodule")
        submodule_entries.extend(sub.entries)
        problems.extend(sub.problems)
    return RepoConfig(
        git_dir=git_dir,
        common_dir=common,
        entries=tuple(main.entries),
        submodule_entries=tuple(submodule_entries),
        problems=tuple(problems),
        legacy_remotes=_legacy_remotes(common, common_present),
        git_dir_names=present,
        common_dir_names=common_present,
    )
