"""git's ref files, parsed without git: text in, names and object ids out, no I/O.

Follows the files backend of git 2.39 (``refs/files-backend.c``, ``refs/packed-backend.c``,
``refs.c``, ``remote.c``) only as far as the sweep needs it: a loose ref holds an object id
or ``ref: <target>``; ``packed-refs`` holds ``<oid> <refname>`` lines, each optionally
followed by a ``^<oid>`` peeled line, under an optional ``# pack-refs with:`` header; a
branch's upstream is its ``branch.<b>.merge`` mapped through the remote's fetch refspecs,
shortened as ``%(upstream:short)`` shortens it.

Everything is strict: what git might read differently raises ``RefFormatError``, and the
caller then asks git (``for-each-ref``) instead of guessing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

HEADS = "refs/heads/"
REMOTES = "refs/remotes/"
# git's SYMREF_MAXDEPTH: a longer chain (or a cycle) does not resolve.
SYMREF_MAXDEPTH = 5
_PACKED_HEADER = "# pack-refs with:"
# Refs git keeps per worktree (``is_per_worktree_ref``): not in the common dir's files.
_PER_WORKTREE = ("refs/worktree/", "refs/bisect/", "refs/rewritten/")
# check_refname_format: no control characters, space, ~ ^ : ? * [ \ or DEL anywhere.
_BAD_CHARS = re.compile(r"[\x00-\x20~^:?*\[\\\x7f]")


class RefFormatError(ValueError):
    """A ref file or setting in a form this reader does not follow; git must answer."""


class Symref(NamedTuple):
    target: str  # a full refname, e.g. refs/heads/main


LooseValue = str | Symref  # an object id, or where a symbolic ref points


def oid_pattern(hex_length: int) -> re.Pattern[str]:
    """Lower-case hex of one object id (40 for SHA-1, 64 for SHA-256 repositories)."""
    return re.compile(f"[0-9a-f]{{{hex_length}}}")


@functools.lru_cache(maxsize=4096)  # the same few names recur in every repo of a fleet
def valid_refname(name: str) -> bool:
    """``git check-ref-format`` for a full refname (at least ``refs/<x>/<y>``).

    Stricter than git on nothing it accepts that the sweep meets; names git would take
    as broken (and skip) fail here, so that the caller asks git.
    """
    if not name.startswith("refs/") or name.endswith(("/", ".")) or "@{" in name:
        return False
    if "//" in name or ".." in name or _BAD_CHARS.search(name) or not name.isascii():
        # Non-ASCII names are valid to git but sort by bytes there: leave them to git.
        return False
    return all(part and part[0] != "." and not part.endswith(".lock") for part in name.split("/"))


def parse_loose(text: str, oid: re.Pattern[str]) -> LooseValue:
    """The content of one loose ref file, as git writes it."""
    if text.startswith("ref: "):
        target = text[5:].removesuffix("\n")
        if not valid_refname(target) or target.startswith(_PER_WORKTREE):
            raise RefFormatError(f"symbolic ref to {target[:80]!r}")
        return Symref(target)
    value = text.removesuffix("\n")
    if not oid.fullmatch(value):
        raise RefFormatError(f"loose ref holds {text[:80]!r}")
    return value


def parse_packed(text: str, oid: re.Pattern[str]) -> dict[str, str]:
    """``packed-refs``: refname → object id (peeled lines are read past)."""
    refs: dict[str, str] = {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    elif lines:
        raise RefFormatError("packed-refs does not end with a newline")
    previous_was_ref = False
    for number, line in enumerate(lines):
        if number == 0 and line.startswith(_PACKED_HEADER):
            continue
        if line.startswith("^"):
            if not previous_was_ref or not oid.fullmatch(line[1:]):
                raise RefFormatError(f"packed-refs line {number + 1}: {line[:80]!r}")
            previous_was_ref = False  # git allows one peeled line per ref
            continue
        value, space, name = line.partition(" ")
        if not space or not oid.fullmatch(value) or not valid_refname(name):
            raise RefFormatError(f"packed-refs line {number + 1}: {line[:80]!r}")
        refs[name] = value
        previous_was_ref = True
    return refs


def resolve(name: str, lookup: Callable[[str], LooseValue | None]) -> str | None:
    """The object id ``name`` ends at, following symbolic refs; None when it dangles.

    ``lookup`` gives a ref's own value (loose over packed) or None when there is none.
    """
    for _ in range(SYMREF_MAXDEPTH + 1):
        value = lookup(name)
        if value is None:
            return None
        if not isinstance(value, Symref):
            return value
        name = value.target
    raise RefFormatError(f"symbolic refs nest deeper than {SYMREF_MAXDEPTH} at {name[:80]!r}")


class Refspec(NamedTuple):
    """One fetch refspec that maps a branch to a remote-tracking ref."""

    src: str  # a full refname, or a prefix ending in "*" (then dst ends in "*" too)
    dst: str


def parse_fetch_refspec(text: str | None) -> Refspec:
    """``[+]refs/heads/<name or prefix*>:refs/remotes/<name or prefix*>``; nothing else.

    Negative refspecs (``^``), globs with text after the ``*``, and refspecs that store
    elsewhere than refs/remotes change what git maps, or whether it maps at all.
    """
    src, colon, dst = (text or "").removeprefix("+").partition(":")
    if not colon or not src.startswith(HEADS) or not dst.startswith(REMOTES):
        raise RefFormatError(f"fetch refspec {text!r}")
    if src.count("*") != dst.count("*") or src.count("*") > 1:
        raise RefFormatError(f"fetch refspec {text!r}")
    if "*" in src and not (src.endswith("/*") and dst.endswith("/*")):
        raise RefFormatError(f"fetch refspec {text!r}")
    return Refspec(src, dst)


def tracking_ref(merge: str, refspecs: Iterable[Refspec]) -> str | None:
    """Where ``remote_find_tracking`` stores ``merge``: the first refspec that matches."""
    for spec in refspecs:
        if spec.src.endswith("*"):
            prefix = spec.src[:-1]
            if merge.startswith(prefix) and len(merge) > len(prefix):
                return spec.dst[:-1] + merge[len(prefix) :]
        elif merge == spec.src:
            return spec.dst
    return None


def short_name_candidates(ref: str) -> tuple[str, tuple[str, ...]]:
    """``%(upstream:short)`` of a remote-tracking ``ref``, and the refs whose existence
    would make git shorten it otherwise (``shorten_unambiguous_ref`` in strict mode,
    core.warnAmbiguousRefs' default; the lenient mode checks a subset of these).

    The first candidate is the bare short name, a file in the git dir itself.
    """
    if not ref.startswith(REMOTES) or ref.endswith("/HEAD"):
        raise RefFormatError(f"upstream {ref[:80]!r}")  # "refs/remotes/x/HEAD" shortens to "x"
    short = ref.removeprefix(REMOTES)
    others = (short, f"refs/{short}", f"refs/tags/{short}", f"{HEADS}{short}")
    return short, (*others, f"{REMOTES}{short}/HEAD")


@dataclass(frozen=True)
class UpstreamRef:
    """What for-each-ref's BRANCH_FORMAT says of a branch's upstream."""

    short: str  # %(upstream:short)
    ref: str  # %(upstream)
    remote: str  # %(upstream:remotename)
    remote_ref: str  # %(upstream:remoteref)


@dataclass(frozen=True)
class BranchConfig:
    """One branch's ``branch.<b>.remote`` and ``branch.<b>.merge``, every value given."""

    remotes: tuple[str | None, ...] = ()
    merges: tuple[str | None, ...] = ()


def upstream_of(
    branch: BranchConfig, fetch_refspecs: Mapping[str, tuple[str | None, ...]]
) -> tuple[str, str, str] | None:
    """(remote, merge ref, remote-tracking ref) a branch tracks; None when it tracks none.

    ``fetch_refspecs``: each remote's ``remote.<r>.fetch`` values, as given.
    """
    if not branch.remotes and not branch.merges:
        return None
    if len(branch.remotes) != 1 or len(branch.merges) != 1:
        # One without the other is "no upstream" to git, but its own config (a missing
        # value, several merges) may still decide otherwise: ask git.
        raise RefFormatError("branch.<b>.remote/merge set more than once, or only one of them")
    remote, merge = branch.remotes[0], branch.merges[0]
    if not remote or remote == "." or remote.startswith("-") or not remote.isascii():
        raise RefFormatError(f"branch upstream remote {remote!r}")  # "." is a local branch
    if merge is None or not merge.startswith(HEADS) or not valid_refname(merge):
        raise RefFormatError(f"branch upstream merge {merge!r}")
    specs = fetch_refspecs.get(remote, ())
    dst = tracking_ref(merge, [parse_fetch_refspec(s) for s in specs]) if specs else None
    if dst is None or not valid_refname(dst):
        raise RefFormatError(f"{merge!r} maps to no remote-tracking ref of {remote!r}")
    return remote, merge, dst
