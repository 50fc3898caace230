"""Find git work trees under a directory tree.

A work tree is a directory holding a ``.git`` entry (a directory, or a file
pointing elsewhere as worktrees and submodules have). We never descend into a
work tree: its own files are not our business and can be huge. A bare
repository (a remote's copy, a mirror) has no work tree: it is listed as
skipped, with the reason, and not descended into either.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Discovery:
    work_trees: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unreadable dirs, loops: why each


# The same words wherever a bare repository is refused: discover, `repos add`, the config file.
BARE_REASON = "it is a bare repository, with no work tree to sweep (register a clone of it)"


def _looks_like_git_dir(entries: dict[str, os.DirEntry[str]]) -> bool:
    # git's own test (setup.c, is_git_directory): HEAD, objects/ and refs/ side by side.
    try:
        head, objects, refs = entries["HEAD"], entries["objects"], entries["refs"]
        return head.is_file() and objects.is_dir() and refs.is_dir()
    except (KeyError, OSError):
        return False


def not_a_work_tree_but_a_git_dir(path: Path) -> str | None:
    """Why ``path`` is refused when it is a git dir itself (a bare clone, or some work
    tree's ``.git``) rather than a work tree; None otherwise."""
    try:
        if not _looks_like_git_dir(_scan(path)):
            return None
    except OSError:
        return None
    if path.name == ".git":
        return f"it is the git dir of {path.parent}; register that work tree instead"
    return BARE_REASON


def _is_work_tree(entries: dict[str, os.DirEntry[str]]) -> bool:
    git = entries.get(".git")
    if git is None:
        return False
    try:
        return git.is_dir() or git.is_file()
    except OSError:
        return False


def _scan(directory: Path) -> dict[str, os.DirEntry[str]]:
    with os.scandir(directory) as it:
        return {entry.name: entry for entry in it}


def _subdirectories(entries: dict[str, os.DirEntry[str]]) -> Iterator[Path]:
    for name in sorted(entries):
        entry = entries[name]
        try:
            if entry.is_dir():  # follows symlinks; loops are caught by inode below
                yield Path(entry.path)
        except OSError:
            continue


def discover(root: Path) -> Discovery:
    """Every git work tree under ``root`` (root included), depth-first, sorted."""
    found = Discovery()
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            st = directory.stat()
        except OSError as exc:
            found.skipped.append(f"{directory}: {exc.strerror}")
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            found.skipped.append(f"{directory}: already visited (symlink loop or alias)")
            continue
        seen.add(key)
        try:
            entries = _scan(directory)
        except OSError as exc:
            found.skipped.append(f"{directory}: {exc.strerror or exc}")
            continue
        if _is_work_tree(entries):
            found.work_trees.append(directory)
            continue
        if _looks_like_git_dir(entries):
            found.skipped.append(f"{directory}: {BARE_REASON}")
            continue
        stack.extend(reversed(list(_subdirectories(entries))))
    return found
