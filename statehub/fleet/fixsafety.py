"""What fix mode may change, decided without I/O: the work tree is probed by a callable.

Fix mode is stricter than the user's own git, never looser:

* ``git merge --ff-only`` silently overwrites *ignored* files (git treats them as
  expendable), replaces an ignored file with a directory or an ignored directory with
  a file, and moves submodule pointers without updating the submodules (a clean repo
  comes out dirty). ``fast_forward_hazard`` refuses all of these.
* ``git push`` with ``push.default=simple`` pushes a branch only to the same-named
  branch it tracks; a remote whose name starts with ``-`` would be read as an option.
  ``push_refusal`` refuses anything else.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

# The raw output of ``git diff-tree`` between HEAD and the commit a fast-forward would
# check out. --no-renames: a rename would name only its new path, hiding the deletion.
TREE_DIFF_ARGS: tuple[str, ...] = ("diff-tree", "-r", "-z", "--no-renames")

GITLINK_MODE = "160000"  # a submodule's entry in a tree

_RAW_META = re.compile(r":([0-7]{6}) ([0-7]{6}) ([0-9a-f]{40,64}) ([0-9a-f]{40,64}) ([AMDT])")


class TreeDiffError(ValueError):
    """``git diff-tree`` printed something other than its documented raw format."""


class PathKind(Enum):
    MISSING = "missing"
    DIRECTORY = "directory"
    OTHER = "other"  # a file, a symlink, anything that is not a directory


@dataclass(frozen=True)
class TreeChange:
    """One path a fast-forward changes: git's status letter (A/M/D/T) and both modes."""

    path: str  # os.fsdecode'd: lstat of it finds the same bytes git wrote
    status: str
    old_mode: str
    new_mode: str


def _pairs(raw: bytes) -> Iterator[tuple[bytes, bytes]]:
    if not raw:
        return
    if not raw.endswith(b"\0"):
        raise TreeDiffError("git diff-tree output is truncated (no final NUL)")
    fields = raw[:-1].split(b"\0")
    if len(fields) % 2:
        raise TreeDiffError(f"git diff-tree record without a path: {fields[-1][:80]!r}")
    yield from zip(fields[::2], fields[1::2], strict=True)


def parse_tree_diff(raw: bytes) -> list[TreeChange]:
    """Parse ``git diff-tree -r -z --no-renames A B`` (``TREE_DIFF_ARGS``)."""
    changes = []
    for meta, path in _pairs(raw):
        match = _RAW_META.fullmatch(meta.decode("ascii", "replace"))
        if match is None or not path:
            raise TreeDiffError(f"unexpected git diff-tree record: {meta[:80]!r}")
        changes.append(
            TreeChange(
                path=os.fsdecode(path), status=match[5], old_mode=match[1], new_mode=match[2]
            )
        )
    return changes


def _shown(path: str) -> str:
    return repr(path) if not path.isprintable() else path


def _in_the_way(path: str, probe: Callable[[str], PathKind], removed: set[str]) -> str | None:
    """Why adding ``path`` would overwrite something git does not track, if it would."""
    parts = path.split("/")
    for depth in range(1, len(parts)):
        prefix = "/".join(parts[:depth])
        kind = probe(prefix)
        if kind is PathKind.MISSING:
            return None  # nothing deeper can exist
        if kind is PathKind.OTHER:
            if prefix in removed:
                return None  # a tracked file the fast-forward itself replaces by a directory
            return (
                f"{_shown(prefix)} is untracked or ignored in the work tree and the "
                f"fast-forward would replace it with a directory"
            )
    kind = probe(path)
    if kind is PathKind.MISSING:
        return None
    # A directory there may hold ignored files that git would delete to make room.
    return (
        f"{_shown(path)} is untracked or ignored in the work tree and the fast-forward "
        f"would overwrite it"
    )


def fast_forward_hazard(changes: list[TreeChange], probe: Callable[[str], PathKind]) -> str | None:
    """Why fast-forwarding over ``changes`` is unsafe, or None when it only touches tracked files.

    ``changes`` go from a clean HEAD to the new commit; ``probe`` says what a path (relative
    to the work tree) is on disk, without following symlinks. Paths git modifies or deletes
    are tracked and, the tree being clean, hold nothing of the user's; only an *added* path
    can land on something git does not know.
    """
    for change in changes:
        if GITLINK_MODE in (change.old_mode, change.new_mode):
            return f"it would move the submodule pointer {_shown(change.path)}"
    removed = {c.path for c in changes if c.status == "D"}
    for change in changes:
        if change.status == "A":
            reason = _in_the_way(change.path, probe, removed)
            if reason is not None:
                return reason
    return None


# git's own rule for a remote's name is that refs/remotes/<name>/x is a valid ref name.
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def sane_remote_name(name: str) -> bool:
    """A name git could have created with ``git remote add``, and never one read as an option."""
    return bool(name) and not (
        name.startswith(("-", ".", "/"))
        or name.endswith(("/", ".", ".lock"))
        or _REF_FORBIDDEN.search(name)
    )


NO_REMOTE_BRANCH = "it does not track a branch on a remote"

# git-receive-pack for a push to a repository on this machine, with that repository's hooks
# and gc off: git's local transport starts it without our command-scope config, so the
# remote's own hooks would run as the user (over ssh or https they run on the server).
LOCAL_RECEIVE_PACK = "git -c core.hooksPath=/dev/null -c receive.autogc=false receive-pack"


def local_path_of(url: str) -> str | None:
    """The path of a push URL that git's local transport serves, else None.

    git's own rule (connect.c, ``url_is_local_not_ssh``): ``file://`` URLs, and anything
    without a ``:`` before its first ``/``; ``host:path`` is ssh, ``<scheme>://`` and
    ``<helper>::<address>`` are other transports.
    """
    if url.startswith("file://"):
        return url.removeprefix("file://")
    if "://" in url:
        return None
    colon, slash = url.find(":"), url.find("/")
    return url if colon == -1 or -1 < slash < colon else None


def local_remote_refusal(
    url: str, hooks: list[str], hooks_path: str | None, deny_current: str | None = None
) -> str | None:
    """Why a push to ``url``, a repository on this machine, must not be made, or None.

    ``hooks`` are the live (not ``.sample``) files in its hooks directory, ``hooks_path``
    its own ``core.hooksPath``. git would run those hooks as the user; a push without them
    is not one the user would have made, so neither is made. ``deny_current`` is its
    ``receive.denyCurrentBranch``: ``updateInstead`` checks the pushed branch out in its
    work tree, running that repository's filters.
    """
    if (deny_current or "").lower() == "updateinstead":
        return (
            f"its remote {url} is a repository on this machine whose work tree a push would "
            "update (receive.denyCurrentBranch=updateInstead runs its filters)"
        )
    if hooks_path:
        return f"its remote {url} is a repository on this machine whose core.hooksPath names hooks"
    if hooks:
        return (
            f"its remote {url} is a repository on this machine whose hooks "
            f"({', '.join(sorted(hooks))}) git would run"
        )
    return None


def push_refusal(branch: str, remote: str, remote_ref: str, push_remote: str = "") -> str | None:
    """Why ``branch`` (tracking ``remote_ref`` on ``remote``) must not be pushed, or None.

    ``push_remote`` is where the user's own ``git push`` would send it; a push to the
    upstream's remote instead would be a push the user never asked git for.
    """
    if not remote or not remote_ref or remote == ".":  # "." is a local branch
        return NO_REMOTE_BRANCH
    if push_remote and push_remote != remote:
        return (
            f"git push sends it to {push_remote!r} (pushRemote or remote.pushDefault), "
            f"not to {remote!r} where its upstream is"
        )
    if not sane_remote_name(remote):
        return f"its remote's name {remote!r} is not a name git gives a remote (read as an option?)"
    if remote_ref != f"refs/heads/{branch}":
        tracked = remote_ref.removeprefix("refs/heads/")
        return (
            f"it tracks {tracked!r} on {remote}, not a branch of the same name "
            f"(git push with push.default=simple refuses this too)"
        )
    return None
