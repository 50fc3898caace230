"""Parse what git prints about a repo: bytes in, dataclasses out, no I/O.

Two outputs are read, both produced by ``statehub.git.inspect`` with the
commands and formats named here so the probe and the parser cannot drift:

* ``git status --porcelain=v2 --branch --show-stash -z`` (``STATUS_ARGS``);
* ``git for-each-ref refs/heads refs/remotes`` with ``BRANCH_FORMAT`` (``REF_PATTERNS``).

Anything that does not look like what git documents raises ``PorcelainError``,
which the sweep reports as that one repo's error instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from statehub.fleet.state import BranchState

STATUS_ARGS: tuple[str, ...] = (
    "status",
    "--porcelain=v2",
    "--branch",
    "--show-stash",
    # -z: paths may hold spaces, newlines or any byte; NUL is the only safe separator.
    "-z",
    # ``normal`` lists an untracked directory once instead of walking it: a
    # build/ or node_modules/ full of files costs one entry, not a tree walk,
    # and "is anything untracked" is all a finding needs. Named explicitly
    # because a user's status.showUntrackedFiles=no would hide them all.
    "--untracked-files=normal",
    # status.aheadBehind=false in the user's config would print "+? -?".
    "--ahead-behind",
    # submodule.<name>.ignore (in .gitmodules or .git/config) and diff.ignoreSubmodules
    # would hide work inside a submodule; the repo's own settings do not decide what we see.
    "--ignore-submodules=none",
    # Rename detection reads the contents of staged deletions; in a partial clone a blob
    # that is not local is then fetched from the remote, even in a --no-fetch sweep (and
    # with the remote away, status fails). Whether anything is staged needs no renames.
    "--no-renames",
)

# Branch names cannot contain NUL or newline (git check-ref-format forbids
# control characters), so NUL separates fields and git's own newline ends a
# record. The full refname (not :strip=2) lets the parser check the prefix.
# The upstream's full name joins a branch to its remote-tracking ref's commit (the
# upstream head the change log keeps); its remote and remote ref name a push that
# would publish it (the explanation's suggested command).
BRANCH_FORMAT = (
    "%(refname)%00%(objectname)%00%(upstream:short)%00%(upstream:track,nobracket)"
    "%00%(upstream)%00%(upstream:remotename)%00%(upstream:remoteref)"
)
# Remote-tracking refs are listed in the same call (their upstream fields are empty), so
# the upstream heads cost no extra git process.
REF_PATTERNS: tuple[str, ...] = ("refs/heads", "refs/remotes")
_BRANCH_FIELDS = 7

_HEADS = "refs/heads/"
_REMOTES = "refs/remotes/"
_OID = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256 repositories
# Bounded: int() refuses strings over 4300 digits with a plain ValueError.
_AB = re.compile(rb"\+([0-9]{1,18}) -([0-9]{1,18})")
_COUNT = re.compile(rb"[0-9]{1,18}")
_XY = re.compile(rb"[.MTADRCU?!]{2}")
# "N..." for a plain path; for a submodule "S" then C (its commit moved), M (tracked
# changes inside it), U (untracked files inside it), each "." when not so.
_SUB = re.compile(rb"N\.\.\.|S[C.][M.][U.]")
# ref-filter translates these words; the runner's LC_ALL=C keeps them English.
_TRACK_PART = re.compile(r"(ahead|behind) ([0-9]{1,18})")

# Fields before the path in each entry kind (git-status(1), "Porcelain Format Version 2").
_FIELDS_BEFORE_PATH = {b"1": 8, b"2": 9, b"u": 10}
_KNOWN_HEADERS = {b"branch.oid", b"branch.head", b"branch.upstream", b"branch.ab", b"stash"}
# The headers as git prints them for nearly every repo, in its order, read with one match;
# whatever follows (entries, a header out of this order or malformed) is read record by
# record, and a record read so overrides what the match found, as a later header does.
_LEADING_HEADERS = re.compile(
    rb"# branch\.oid ([0-9a-f]{40}|[0-9a-f]{64}|\(initial\))\0"
    rb"# branch\.head ([^\0]+)\0"
    rb"(?:# branch\.upstream ([^\0]+)\0)?"
    rb"(?:# branch\.ab \+([0-9]{1,18}) -([0-9]{1,18})\0)?"
    rb"(?:# stash ([0-9]{1,18})\0)?"
)


class PorcelainError(ValueError):
    """git's output is not in the documented format (a truncated or garbled answer)."""


@dataclass(frozen=True)
class StatusReport:
    """What one ``git status --porcelain=v2 --branch --show-stash -z`` said."""

    head: str | None  # None on an unborn branch ("(initial)")
    branch: str | None  # None when HEAD is detached
    upstream: str | None = None
    upstream_gone: bool = False
    ahead: int = 0
    behind: int = 0
    staged: int = 0
    modified: int = 0
    untracked: int = 0
    ignored: int = 0
    conflicted: int = 0
    stashes: int = 0


def _name(raw: bytes) -> str:
    # Ref names are bytes to git. "replace" keeps a non-UTF-8 name from
    # crashing the JSON result document; such a branch merely can't be pushed by name.
    return raw.decode("utf-8", "replace")


def _records(raw: bytes, start: int = 0) -> Iterator[bytes]:
    """NUL-terminated records from ``start``; a missing final NUL means the output was cut
    short."""
    if not raw:
        return
    if not raw.endswith(b"\0"):
        raise PorcelainError("git status output is truncated (no final NUL)")
    if start < len(raw):
        yield from raw[start:-1].split(b"\0")


class _StatusBuilder:
    """Accumulates records; one small method per record kind."""

    def __init__(self) -> None:
        self.oid: bytes | None = None
        self.branch: bytes | None = None
        self.upstream: bytes | None = None
        self.ab: tuple[int, int] | None = None
        self.counts = dict.fromkeys(
            ("staged", "modified", "untracked", "ignored", "conflicted", "stashes"), 0
        )

    def leading_headers(self, raw: bytes) -> int:
        """Where the headers ``_LEADING_HEADERS`` reads at once end (0: none read)."""
        match = _LEADING_HEADERS.match(raw)
        if match is None:
            return 0
        self.oid, self.branch, self.upstream, ahead, behind, stashes = match.groups()
        if ahead is not None and behind is not None:
            self.ab = (int(ahead), int(behind))
        if stashes is not None:
            self.counts["stashes"] = int(stashes)
        return match.end()

    def header(self, record: bytes) -> None:
        key, _, value = record[2:].partition(b" ")
        if key not in _KNOWN_HEADERS:
            # git-status(1): "Parsers should ignore headers they don't recognize";
            # a newer git adding one must not turn every repo into an error.
            return
        if not value:
            raise PorcelainError(f"header without a value: {record[:80]!r}")
        if key == b"branch.oid":
            if value != b"(initial)" and not _OID.fullmatch(value):
                raise PorcelainError(f"bad branch.oid: {value[:80]!r}")
            self.oid = value
        elif key == b"branch.head":
            self.branch = value
        elif key == b"branch.upstream":
            self.upstream = value
        elif key == b"branch.ab":
            match = _AB.fullmatch(value)
            if match is None:
                raise PorcelainError(f"bad branch.ab: {value[:80]!r}")
            self.ab = (int(match[1]), int(match[2]))
        elif key == b"stash":
            if not _COUNT.fullmatch(value):
                raise PorcelainError(f"bad stash count: {value[:80]!r}")
            self.counts["stashes"] = int(value)

    def entry(self, kind: bytes, record: bytes) -> None:
        fields = record.split(b" ", _FIELDS_BEFORE_PATH[kind])
        if fields[0] != kind:
            raise PorcelainError(f"unknown git status line: {record[:80]!r}")
        if len(fields) != _FIELDS_BEFORE_PATH[kind] + 1 or not fields[-1]:
            raise PorcelainError(f"short {kind.decode()!r} entry: {record[:80]!r}")
        xy = fields[1]
        if not _XY.fullmatch(xy):
            raise PorcelainError(f"bad XY status {xy!r} in: {record[:80]!r}")
        sub = fields[2]
        if not _SUB.fullmatch(sub):
            raise PorcelainError(f"bad submodule state {sub!r} in: {record[:80]!r}")
        if kind == b"u":
            self.counts["conflicted"] += 1
            return
        if xy[0:1] != b".":
            self.counts["staged"] += 1
        if xy[1:2] != b".":
            self._work_tree_change(xy[1:2], sub)

    def _work_tree_change(self, y: bytes, sub: bytes) -> None:
        # git marks a submodule holding nothing but new files as modified (".M S..U"),
        # yet nothing tracked changed: that is untracked work, as it would be outside it.
        if sub[3:4] == b"U":
            self.counts["untracked"] += 1
        if not (y == b"M" and sub[1:3] == b".." and sub[3:4] == b"U"):
            self.counts["modified"] += 1

    def path_only(self, key: str, record: bytes) -> None:
        if len(record) < 3 or record[1:2] != b" ":
            raise PorcelainError(f"bad {key} entry: {record[:80]!r}")
        self.counts[key] += 1

    def report(self) -> StatusReport:
        if self.oid is None or self.branch is None:
            raise PorcelainError("git status output lacks the branch.oid/branch.head headers")
        head = None if self.oid == b"(initial)" else self.oid.decode("ascii")
        branch = None if self.branch == b"(detached)" else _name(self.branch)
        ahead, behind = self.ab or (0, 0)
        return StatusReport(
            head=head,
            branch=branch,
            upstream=_name(self.upstream) if self.upstream is not None else None,
            # git names the upstream but cannot count against it when its ref
            # is gone; on an unborn branch it cannot count either, and that is
            # not "gone".
            upstream_gone=self.upstream is not None and self.ab is None and head is not None,
            ahead=ahead,
            behind=behind,
            **self.counts,
        )


def parse_status(raw: bytes) -> StatusReport:
    """Parse ``git status`` run with ``STATUS_ARGS``."""
    builder = _StatusBuilder()
    records = _records(raw, builder.leading_headers(raw))
    for record in records:
        kind = record[:1]
        if record.startswith(b"# "):
            builder.header(record)
        elif kind in _FIELDS_BEFORE_PATH:
            builder.entry(kind, record)
            # With -z a rename/copy's original path is its own NUL-terminated
            # record; left unread it would be parsed as the next entry.
            if kind == b"2" and not next(records, b""):
                raise PorcelainError(f"rename entry without its original path: {record[:80]!r}")
        elif kind == b"?":
            builder.path_only("untracked", record)
        elif kind == b"!":
            builder.path_only("ignored", record)
        else:
            raise PorcelainError(f"unknown git status line: {record[:80]!r}")
    return builder.report()


def _track(raw: str, record: bytes) -> tuple[bool, int, int]:
    """``%(upstream:track,nobracket)``: "", "gone", "ahead 1", "behind 2", "ahead 1, behind 2"."""
    if raw == "gone":
        return True, 0, 0
    counts = {"ahead": 0, "behind": 0}
    for part in raw.split(", ") if raw else ():
        match = _TRACK_PART.fullmatch(part)
        if match is None:
            raise PorcelainError(f"bad upstream tracking info {raw!r} in: {record[:120]!r}")
        counts[match[1]] = int(match[2])
    return False, counts["ahead"], counts["behind"]


def _fields(record: bytes) -> list[str]:
    fields = record.split(b"\0")
    if len(fields) != _BRANCH_FIELDS:
        raise PorcelainError(
            f"branch record needs {_BRANCH_FIELDS} fields, got {len(fields)}: {record[:120]!r}"
        )
    if not _OID.fullmatch(fields[1]):
        raise PorcelainError(f"bad object name in: {record[:120]!r}")
    return [_name(field) for field in fields]


def _branch(fields: list[str], record: bytes, upstream_heads: dict[str, str]) -> BranchState:
    refname, oid, upstream, track, upstream_ref, remote, remote_ref = fields
    if refname == _HEADS:
        raise PorcelainError(f"not a local branch: {record[:120]!r}")
    gone, ahead, behind = _track(track, record)
    return BranchState(
        name=refname.removeprefix(_HEADS),
        head=oid,
        upstream=upstream or None,
        upstream_gone=gone,
        ahead=ahead,
        behind=behind,
        remote=remote or None,
        remote_ref=remote_ref or None,
        upstream_head=upstream_heads.get(upstream_ref) if upstream_ref else None,
    )


def parse_branches(raw: bytes) -> list[BranchState]:
    """Parse ``git for-each-ref --format=BRANCH_FORMAT`` over ``REF_PATTERNS``: the local
    branches, each with its upstream's commit when that ref is among the records."""
    if not raw:
        return []
    if not raw.endswith(b"\n"):
        raise PorcelainError("git for-each-ref output is truncated (no final newline)")
    local: list[tuple[list[str], bytes]] = []
    upstream_heads: dict[str, str] = {}
    for record in raw[:-1].split(b"\n"):
        fields = _fields(record)
        if fields[0].startswith(_HEADS):
            local.append((fields, record))
        elif fields[0].startswith(_REMOTES):
            upstream_heads[fields[0]] = fields[1]
        else:
            raise PorcelainError(f"not a local branch: {record[:120]!r}")
    return [_branch(fields, record, upstream_heads) for fields, record in local]


# Where a plain ``git push`` of one branch would go: the remote and the ref it merges from
# there (branch.<name>.remote / branch.<name>.merge), and the remote ``git push`` itself
# would pick (branch.<name>.pushRemote, remote.pushDefault, else that same remote).
PUSH_TARGET_FORMAT = (
    "%(refname)%00%(upstream:remotename)%00%(upstream:remoteref)%00%(push:remotename)"
)


class PushTarget(NamedTuple):
    remote: str
    remote_ref: str
    push_remote: str  # "" when git names none


def parse_push_target(raw: bytes, branch: str) -> PushTarget | None:
    """Where ``branch`` tracks, from ``git for-each-ref --format=PUSH_TARGET_FORMAT
    refs/heads/<branch>``; None when it tracks nothing."""
    for record in raw.split(b"\n"):
        fields = record.split(b"\0")
        # The pattern refs/heads/x also matches refs/heads/x/y; keep the exact ref.
        if len(fields) == 4 and _name(fields[0]) == _HEADS + branch:
            remote, ref, push_remote = (_name(f) for f in fields[1:])
            return PushTarget(remote, ref, push_remote) if remote and ref else None
    return None
