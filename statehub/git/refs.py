"""Local branch tips and their upstreams' tips, read from the repository's files — never git.

``git status`` already counts the checked-out branch against its upstream; for every other
branch the sweep only needs ``git for-each-ref`` when its tip and its upstream's differ
(then ahead/behind needs the commit graph). This reads what for-each-ref would print
otherwise: loose refs under ``refs/heads`` and ``refs/remotes`` of the common dir (shared by
linked worktrees), ``packed-refs``, symbolic refs, and each branch's upstream from the repo
config (``statehub.git.repoconfig``). The formats are parsed in ``statehub.fleet.reffiles``.

Whatever is in a form not read here — reftable, a ref that does not parse, an upstream that
is a local branch, a refspec not mapped with certainty, branch or remote settings from
outside the repo, a name git might shorten differently — gives ``RefsUnknown``, and the
caller asks git as before. What stays unchecked: that the objects the refs name exist (git
skips a ref to a missing object; a corrupt repo's branch is listed here).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from statehub.fleet.reffiles import (
    HEADS,
    REMOTES,
    BranchConfig,
    LooseValue,
    RefFormatError,
    UpstreamRef,
    oid_pattern,
    parse_loose,
    parse_packed,
    resolve,
    short_name_candidates,
    upstream_of,
    valid_refname,
)
from statehub.fleet.state import BranchState
from statehub.git.configsyntax import split_key
from statehub.git.repoconfig import RepoConfig, read_text

# Settings from the user's own config or the environment that change what for-each-ref says
# of a branch's upstream: (section, name) of ``branch.<b>.remote`` and the like. Others in
# those sections (branch.sort, branch.autoSetupMerge, remote.pushDefault) do not.
_TRACKING_KEYS = frozenset({("branch", "remote"), ("branch", "merge"), ("remote", "fetch")})
# Extensions the files backend reads the same; any other (refStorage = reftable, above all)
# may change where refs live.
_KNOWN_EXTENSIONS = frozenset({"worktreeconfig", "objectformat"})
_HEX_LENGTHS = {"sha1": 40, "sha256": 64}
_QUOTED = re.compile(r"'([^']*)'")


@dataclass(frozen=True)
class BranchTips:
    """One local branch as for-each-ref would print it, but for ahead/behind."""

    name: str  # without refs/heads/
    head: str
    upstream: UpstreamRef | None = None
    upstream_head: str | None = None  # None: no upstream, or its ref is gone

    @property
    def settled(self) -> bool:
        """Ahead/behind are known without git: no upstream, a gone one, or the same tip."""
        return self.upstream is None or self.upstream_head in (None, self.head)

    def state(self) -> BranchState:
        """The BranchState ``parse_branches`` gives; ahead/behind are 0 (only when settled)."""
        up = self.upstream
        return BranchState(
            name=self.name,
            head=self.head,
            upstream=up.short if up else None,
            upstream_gone=up is not None and self.upstream_head is None,
            remote=up.remote if up else None,
            remote_ref=up.remote_ref if up else None,
            upstream_head=self.upstream_head,
        )


@dataclass(frozen=True)
class LocalRefs:
    """Every local branch, in for-each-ref's order (refname, bytewise)."""

    branches: tuple[BranchTips, ...]

    def needs_git(self, skip: Collection[str]) -> bool:
        """Whether some branch not in ``skip`` needs git to count ahead/behind."""
        return any(not b.settled for b in self.branches if b.name not in skip)


@dataclass(frozen=True)
class RefsUnknown:
    """Why the files were not read: the caller asks git."""

    reason: str


class _Refs:
    """The ref store of one common dir: loose refs (read on demand) over packed ones."""

    def __init__(self, common: Path, git_dir: Path, hex_length: int) -> None:
        self.common = str(common)
        self.dirs = tuple(dict.fromkeys((str(git_dir), self.common)))
        self.oid = oid_pattern(hex_length)
        self.loose: dict[str, LooseValue] = {}
        # Remote-tracking refs found by the walk, read only when asked for: most (HEAD, the
        # tips of branches nobody tracks) are only looked at for whether they exist.
        self.unread: dict[str, str] = {}
        self.packed: dict[str, str] = {}

    def load(self) -> None:
        for prefix in (HEADS, REMOTES):
            self._walk(os.path.join(self.common, prefix), prefix)
        text = read_text(os.path.join(self.common, "packed-refs"))
        if text is not None:
            self.packed = parse_packed(text, self.oid)

    def _walk(self, root: str, prefix: str) -> None:
        stack = [(root, prefix)]
        while stack:
            folder, name_prefix = stack.pop()
            try:
                entries = os.scandir(folder)
            except FileNotFoundError:
                continue  # no loose refs there (all packed, or none yet)
            with entries:
                for entry in entries:
                    self._entry(entry, name_prefix, stack)

    def _entry(self, entry: os.DirEntry[str], prefix: str, stack: list[tuple[str, str]]) -> None:
        # As loose_fill_ref_dir: dot files and lock files (an update under way) are not refs.
        if entry.name.startswith(".") or entry.name.endswith(".lock"):
            return
        name = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            stack.append((entry.path, name + "/"))
        elif entry.is_file(follow_symlinks=False) and valid_refname(name):
            if prefix.startswith(REMOTES):
                self.unread[name] = entry.path
            else:
                self.loose[name] = self._parse_file(entry.path, name)
        else:
            raise RefFormatError(f"{name[:80]!r} is not a plain ref file")  # symlink, bad name

    def _parse_file(self, path: str, name: str) -> LooseValue:
        text = read_text(path)
        if text is None:
            raise RefFormatError(f"{name[:80]!r} vanished while read")  # a concurrent update
        return parse_loose(text, self.oid)

    def value(self, name: str) -> LooseValue | None:
        """A ref's own value, loose over packed (the walk found heads and remotes already)."""
        if name in self.loose:
            return self.loose[name]
        if name in self.unread:
            self.loose[name] = self._parse_file(self.unread.pop(name), name)
            return self.loose[name]
        if not name.startswith((HEADS, REMOTES)):
            path = os.path.join(self.common, name)
            try:
                text = read_text(path)
            except IsADirectoryError:
                text = None
            if text is not None:
                return parse_loose(text, self.oid)
        return self.packed.get(name)

    def exists(self, name: str) -> bool:
        """Whether git might find a ref ``name`` (any file there counts: the safe side)."""
        if name.startswith((HEADS, REMOTES)):
            return name in self.loose or name in self.unread or name in self.packed
        if not name.startswith("refs/"):
            # A bare name is looked up in the git dir and the common dir (one in a plain clone).
            return any(os.path.lexists(os.path.join(d, name)) for d in self.dirs)
        return name in self.packed or os.path.lexists(os.path.join(self.common, name))

    def names(self, prefix: str) -> list[str]:
        found = {n for n in self.loose if n.startswith(prefix)}
        found.update(n for n in self.unread if n.startswith(prefix))
        found.update(n for n in self.packed if n.startswith(prefix))
        return sorted(found)  # ASCII names only (valid_refname): str order is byte order


def _config_problem(config: RepoConfig, outside_keys: Iterable[str]) -> str | None:
    if config.problems:
        return config.problems[0]
    if config.legacy_remotes:
        return "remotes/ or branches/ files configure a remote"
    for entry in config.entries:
        section, sub, name = entry.parts
        if section == "extensions" and name not in _KNOWN_EXTENSIONS:
            return f"extensions.{name} is set"
        if section == "includeif" and (sub or "").startswith("hasconfig:"):
            return "an includeIf hasconfig: condition"  # the reader includes it either way
    for key in outside_keys:
        section, sub, name = split_key(key.lower())
        tracking = sub is not None and (section, name) in _TRACKING_KEYS
        if tracking or section == "extensions":
            return f"{key} is set outside the repo"
    return None


def _hex_length(config: RepoConfig) -> int:
    fmt = (config.get("extensions.objectFormat") or "sha1").lower()
    if fmt not in _HEX_LENGTHS:
        raise RefFormatError(f"extensions.objectFormat is {fmt!r}")
    return _HEX_LENGTHS[fmt]


def _fetch_refspecs(config: RepoConfig) -> dict[str, tuple[str | None, ...]]:
    specs: dict[str, list[str | None]] = {}
    for entry in config.entries:
        section, remote, name = entry.parts
        if section == "remote" and remote is not None and name == "fetch":
            specs.setdefault(remote, []).append(entry.value)
    return {remote: tuple(values) for remote, values in specs.items()}


def _upstream(
    name: str,
    config: RepoConfig,
    refspecs: Mapping[str, tuple[str | None, ...]],
    refs: _Refs,
) -> tuple[UpstreamRef | None, str | None]:
    branch = BranchConfig(
        remotes=tuple(config.get_all(f"branch.{name}.remote")),
        merges=tuple(config.get_all(f"branch.{name}.merge")),
    )
    found = upstream_of(branch, refspecs)
    if found is None:
        return None, None
    remote, merge, ref = found
    short, ambiguous_with = short_name_candidates(ref)
    for other in ambiguous_with:
        if refs.exists(other):
            raise RefFormatError(f"{short!r} may be shortened otherwise ({other} exists)")
    upstream = UpstreamRef(short=short, ref=ref, remote=remote, remote_ref=merge)
    return upstream, resolve(ref, refs.value)


def _read(config: RepoConfig, outside_keys: Iterable[str]) -> LocalRefs | RefsUnknown:
    problem = _config_problem(config, outside_keys)
    if problem is not None:
        return RefsUnknown(problem)
    refs = _Refs(config.common_dir, config.git_dir, _hex_length(config))
    refs.load()
    refspecs = _fetch_refspecs(config)
    branches = []
    for refname in refs.names(HEADS):
        head = resolve(refname, refs.value)
        if head is None:
            continue  # a dangling symbolic ref: for-each-ref skips it too ("broken ref")
        name = refname.removeprefix(HEADS)
        upstream, upstream_head = _upstream(name, config, refspecs, refs)
        branches.append(BranchTips(name, head, upstream, upstream_head))
    return LocalRefs(tuple(branches))


def read_local_refs(
    config: RepoConfig, outside_keys: Iterable[str] = ()
) -> LocalRefs | RefsUnknown:
    """The local branches of the repo ``config`` was read from, or why git must say.

    ``outside_keys``: config keys set outside the repo (the user's system, global and
    command-scope config, and what the sweep adds in the environment).
    """
    try:
        return _read(config, outside_keys)
    except RefFormatError as exc:
        return RefsUnknown(str(exc))
    except OSError as exc:  # unreadable: git may be allowed where we are not
        return RefsUnknown(f"cannot read the refs: {exc.strerror}")


def command_config_keys(env: Mapping[str, str]) -> list[str]:
    """The keys ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_<n>`` (and ``-c``) set for every call."""
    keys = []
    try:
        count = int(env.get("GIT_CONFIG_COUNT", "0") or "0")
    except ValueError:
        count = 0
    for index in range(count):
        keys.append(env.get(f"GIT_CONFIG_KEY_{index}", ""))
    # `git -c` of a wrapper script: each item is 'key'='value'; a quoted value taken for a
    # key only errs on the safe side.
    keys.extend(_QUOTED.findall(env.get("GIT_CONFIG_PARAMETERS", "")))
    return keys
