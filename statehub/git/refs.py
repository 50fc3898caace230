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

import errno
import functools
import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from statehub.fleet.reffiles import (
    HEADS,
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
_OIDS = {"sha1": oid_pattern(40), "sha256": oid_pattern(64)}
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
    """The ref store of one common dir: loose refs over packed ones.

    ``refs/heads`` is walked (every branch is listed). Any other ref, remote-tracking ones
    included, is read when asked for: a sweep looks up one upstream per branch and a few
    names that would make git shorten it otherwise, where a walk of ``refs/remotes`` lists
    every remote's directory (five system calls each) to find them.
    """

    def __init__(self, config: RepoConfig, oid: re.Pattern[str]) -> None:
        self.common = str(config.common_dir)
        self.dirs = tuple(dict.fromkeys((str(config.git_dir), self.common)))
        # The config reader listed those dirs: a bare name whose first component is in
        # neither listing is not there, and costs no lstat.
        self.listed = (config.git_dir_names, config.common_dir_names)
        # Names read as loose refs and found to be no directory (a file, or nothing): no ref
        # can be under them, so the "<upstream>/HEAD" git would prefer costs no lstat.
        self.not_dirs: set[str] = set()
        self.oid = oid
        self.loose: dict[str, LooseValue] = {}
        self.packed: dict[str, str] = {}

    def load(self) -> None:
        self._walk(f"{self.common}/{HEADS}", HEADS)
        text = read_text(f"{self.common}/packed-refs")
        if text is not None:
            self.packed = parse_packed(text, self.oid)

    def _walk(self, root: str, prefix: str) -> None:
        stack = [(root, prefix)]
        while stack:
            folder, name_prefix = stack.pop()
            try:
                entries = os.scandir(folder)
            except FileNotFoundError:
                continue  # no loose branches (all packed, or none yet)
            with entries:
                for entry in entries:
                    self._entry(entry, name_prefix, stack)

    def _entry(self, entry: os.DirEntry[str], prefix: str, stack: list[tuple[str, str]]) -> None:
        # As loose_fill_ref_dir: dot files and lock files (an update under way) are not refs.
        if entry.name[0] == "." or entry.name.endswith(".lock"):
            return
        name = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            stack.append((f"{entry.path}/", f"{name}/"))
        elif entry.is_file(follow_symlinks=False) and valid_refname(name):
            self.loose[name] = self._parse_file(entry.path, name)
        else:
            raise RefFormatError(f"{name[:80]!r} is not a plain ref file")  # symlink, bad name

    def _parse_file(self, path: str, name: str) -> LooseValue:
        text = read_text(path)
        if text is None:
            raise RefFormatError(f"{name[:80]!r} vanished while read")  # a concurrent update
        return parse_loose(text, self.oid)

    def value(self, name: str) -> LooseValue | None:
        """A ref's own value, loose over packed (the walk found every loose branch)."""
        if name in self.loose:
            return self.loose[name]
        if not name.startswith(HEADS):
            text = self._read_loose(name)
            if text is not None:
                self.loose[name] = parse_loose(text, self.oid)
                return self.loose[name]
        return self.packed.get(name)

    def _read_loose(self, name: str) -> str | None:
        """A loose ref outside refs/heads; None when there is none."""
        try:
            # A symlink here is git's legacy symbolic ref: not followed, git says what it is.
            text = read_text(f"{self.common}/{name}", follow_symlinks=False)
        except IsADirectoryError:
            return None  # a directory where the ref would be: packed-refs may still hold it
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise RefFormatError(f"{name[:80]!r} is a symbolic link") from None
            raise
        self.not_dirs.add(name)  # a file, or nothing at all
        return text

    def exists(self, name: str) -> bool:
        """Whether git might find a ref ``name`` (any file there counts: the safe side)."""
        if name in self.loose or name in self.packed:
            return True
        if name.startswith(HEADS):
            return False  # the walk saw every loose branch
        if not name.startswith("refs/"):
            # A bare name is looked up in the git dir and the common dir (one in a clone).
            first = name.partition("/")[0]
            if first not in self.listed[0] and first not in self.listed[1]:
                return False
            return any(_lexists(f"{folder}/{name}") for folder in self.dirs)
        if name.endswith("/HEAD") and name[:-5] in self.not_dirs:
            return False
        return _lexists(f"{self.common}/{name}")

    def branches(self) -> list[str]:
        """Every branch's full refname, loose or packed."""
        found = {n for n in self.loose if n.startswith(HEADS)}
        found.update(n for n in self.packed if n.startswith(HEADS))
        return sorted(found)  # ASCII names only (valid_refname): str order is byte order


def _lexists(path: str) -> bool:
    # os.access answers with a bool: a name that is not there (nearly every one looked up)
    # raises no exception, as os.path.lexists's lstat does inside it.
    return os.access(path, os.F_OK, follow_symlinks=False)


@dataclass
class _Tracking:
    """What the repo's config says of branches and remotes, from one pass over its entries."""

    refspecs: dict[str, list[str | None]] = field(default_factory=dict)  # remote.<r>.fetch
    remotes: dict[str, list[str | None]] = field(default_factory=dict)  # branch.<b>.remote
    merges: dict[str, list[str | None]] = field(default_factory=dict)  # branch.<b>.merge
    object_format: str | None = None  # extensions.objectFormat, the last one given
    problem: str | None = None  # the first entry that the files cannot be read past

    def fetch_refspecs(self) -> dict[str, tuple[str | None, ...]]:
        return {remote: tuple(values) for remote, values in self.refspecs.items()}


def _tracking(config: RepoConfig) -> _Tracking:
    found = _Tracking()
    for _, value, _, _, (section, sub, name) in config.entries:
        if section == "branch" and sub is not None:
            if name == "remote":
                found.remotes.setdefault(sub, []).append(value)
            elif name == "merge":
                found.merges.setdefault(sub, []).append(value)
        elif section == "remote" and sub is not None and name == "fetch":
            found.refspecs.setdefault(sub, []).append(value)
        elif section == "extensions":
            if sub is None and name == "objectformat":
                found.object_format = value
            elif name not in _KNOWN_EXTENSIONS and found.problem is None:
                found.problem = f"extensions.{name} is set"
        elif section == "includeif" and (sub or "").startswith("hasconfig:"):
            # The reader includes it either way.
            found.problem = found.problem or "an includeIf hasconfig: condition"
    return found


def _config_problem(config: RepoConfig, tracking: _Tracking) -> str | None:
    if config.problems:
        return config.problems[0]
    if config.legacy_remotes:
        return "remotes/ or branches/ files configure a remote"
    return tracking.problem


@functools.lru_cache(maxsize=64)  # a sweep passes every repo the same keys
def _outside_problem(outside_keys: tuple[str, ...]) -> str | None:
    for key in outside_keys:
        section, sub, name = split_key(key.lower())
        tracking = sub is not None and (section, name) in _TRACKING_KEYS
        if tracking or section == "extensions":
            return f"{key} is set outside the repo"
    return None


def _oid_of(object_format: str | None) -> re.Pattern[str]:
    fmt = (object_format or "sha1").lower()
    if fmt not in _OIDS:
        raise RefFormatError(f"extensions.objectFormat is {fmt!r}")
    return _OIDS[fmt]


@functools.lru_cache(maxsize=1024)  # a fleet's branches track alike (origin, the default refspec)
def _tracked(
    remotes: tuple[str | None, ...], merges: tuple[str | None, ...], specs: tuple[str | None, ...]
) -> tuple[UpstreamRef, tuple[str, ...]] | None:
    """A branch's upstream, and the refs that would make git shorten its name otherwise.

    ``specs``: the fetch refspecs of the branch's one remote.
    """
    found = upstream_of(BranchConfig(remotes, merges), {remotes[0] or "": specs} if specs else {})
    if found is None:
        return None
    remote, merge, ref = found
    short, ambiguous_with = short_name_candidates(ref)
    return UpstreamRef(short=short, ref=ref, remote=remote, remote_ref=merge), ambiguous_with


def _upstream(
    name: str,
    tracking: _Tracking,
    refspecs: Mapping[str, tuple[str | None, ...]],
    refs: _Refs,
) -> tuple[UpstreamRef | None, str | None]:
    remotes = tuple(tracking.remotes.get(name, ()))
    merges = tuple(tracking.merges.get(name, ()))
    specs = refspecs.get(remotes[0] or "", ()) if len(remotes) == 1 else ()
    found = _tracked(remotes, merges, specs)
    if found is None:
        return None, None
    upstream, ambiguous_with = found
    # Read first: what the read finds no directory, no ref can be under (see exists).
    head = resolve(upstream.ref, refs.value)
    for other in ambiguous_with:
        if refs.exists(other):
            raise RefFormatError(f"{upstream.short!r} may be shortened otherwise ({other} exists)")
    return upstream, head


def _read(config: RepoConfig, outside_keys: Iterable[str]) -> LocalRefs | RefsUnknown:
    tracking = _tracking(config)
    problem = _config_problem(config, tracking) or _outside_problem(tuple(outside_keys))
    if problem is not None:
        return RefsUnknown(problem)
    refs = _Refs(config, _oid_of(tracking.object_format))
    refs.load()
    refspecs = tracking.fetch_refspecs()
    branches = []
    for refname in refs.branches():
        head = resolve(refname, refs.value)
        if head is None:
            continue  # a dangling symbolic ref: for-each-ref skips it too ("broken ref")
        name = refname.removeprefix(HEADS)
        upstream, upstream_head = _upstream(name, tracking, refspecs, refs)
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
