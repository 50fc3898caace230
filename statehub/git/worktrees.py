"""Which registered work trees share one git dir, read from files without running git.

``git worktree add`` makes a work tree whose ``.git`` is a file, ``gitdir: <common>/worktrees/<n>``;
that per-worktree dir holds a ``commondir`` file naming the common git dir (relative to
itself), where refs, objects and the config live. Two of them fetching at once fight over
the same ref locks ("cannot lock ref"), so a sweep fetches each common dir once.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from statehub.errors import StateHubError
from statehub.git.inspect import find_git_dir


def common_git_dir(path: Path | str) -> str | None:
    """The git dir whose refs the work tree at ``path`` uses; None when it cannot be read.

    A plain clone's ``.git`` directory is its own (one stat, as a healthy repo costs);
    only a gitfile is followed and resolved, so that every worktree names the same dir.
    ``path`` may be the str a registered path is stored as (normalised here as a Path
    would be): the engine need not make a Path per repo for it.
    """
    dot_git = os.path.join(os.path.normpath(path), ".git")
    with contextlib.suppress(OSError):
        # Nearly every repo, before any check starts: a stat of a string, not of a Path
        # made twice (17-21 ms per 1,000 repos of the sweep's single-threaded start).
        if stat.S_ISDIR(os.stat(dot_git).st_mode):
            return dot_git
    tree = Path(path)
    try:
        git_dir = find_git_dir(tree)
    except (OSError, StateHubError):
        return None  # the check reports why; such a repo is grouped with nothing
    if git_dir == tree / ".git":
        return str(git_dir)
    try:
        pointer = (git_dir / "commondir").read_text(encoding="utf-8", errors="replace").strip()
    except FileNotFoundError:
        pointer = ""  # a submodule's or a separate git dir: not shared
    except OSError:
        return None
    return os.path.realpath(git_dir / pointer if pointer else git_dir)


def checked_out_branch(path: Path) -> str | None:
    """The branch the work tree at ``path`` has checked out (its own HEAD file), if any."""
    try:
        head = (find_git_dir(path) / "HEAD").read_text(encoding="utf-8", errors="replace")
    except (OSError, StateHubError):
        return None
    ref = head.strip()
    if not ref.startswith("ref: refs/heads/"):
        return None  # detached, or not a branch
    return ref.removeprefix("ref: refs/heads/")
