"""The submodules ``git status`` would look into, found as git finds them (file reads only).

git status recurses into a populated gitlink by running ``git status`` there, in the
submodule's own git dir, whose config and attributes may name a filter driver. Which
gitlinks it recurses into is decided per submodule *name* (``submodule.<name>.ignore``,
the name looked up by path in the work tree's ``.gitmodules``; a gitlink ``.gitmodules``
does not list has no name and gets ``diff.ignoreSubmodules``). So the sweep lets status
recurse only into submodules whose config it has read here: for every ``.gitmodules``
entry, the git dir its ``<path>/.git`` (a directory, or a ``gitdir:`` file, followed
wherever it points) names, and in turn the submodules of those.

The command scope that says "recurse into <name>" reaches the submodules' own git too, so a
name is allowed only when *every* submodule of that name seen at any depth was read; and
when a submodule status would recurse into might list names this reader cannot see (no
``.gitmodules`` in its work tree — git then reads the index's or HEAD's — but gitlinks in
its index), or the walk is cut short, no name is allowed at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from statehub.fleet.porcelain import STATUS_ARGS
from statehub.git.configsyntax import ConfigSyntaxError, parse_config
from statehub.git.repoconfig import ConfigEntry, load_repo_config, read_text

_MAX_DEPTH = 4  # as the reader's
_MAX_SUBMODULES = 256
# A gitlink's mode (0160000) as the index stores it: four bytes, big-endian, in the fixed
# part of every entry (index versions 2, 3 and 4 alike). Found elsewhere by chance, it only
# makes the answer "may have gitlinks": safe.
_GITLINK_MODE = (0o160000).to_bytes(4, "big")


class Submodules(NamedTuple):
    """What the walk found under one work tree."""

    entries: tuple[ConfigEntry, ...] = ()  # the config of every submodule read
    allowed: tuple[str, ...] = ()  # names status may recurse into
    denied: tuple[str, ...] = ()  # every other name seen: set not to recurse
    listed: bool = False  # the work tree has a .gitmodules


NO_SUBMODULES = Submodules()


_UNREADABLE: list[tuple[str, str]] = []


def _listed(work_tree: Path) -> list[tuple[str, str]] | None:
    """(name, path) of each ``submodule.<name>.path`` in ``.gitmodules``; None without one,
    ``_UNREADABLE`` (compared by identity) when it cannot be read or parsed."""
    try:
        text = read_text(os.path.join(work_tree, ".gitmodules"))
    except OSError:
        return _UNREADABLE
    if text is None:
        return None
    try:
        raw = parse_config(text)
    except ConfigSyntaxError:
        return _UNREADABLE
    return [
        (sub, item.value or "")
        for item in raw
        for section, sub, leaf in (item.parts,)
        if section == "submodule" and sub is not None and leaf == "path"
    ]


def _git_dir_of(tree: Path) -> Path | None:
    """The git dir a ``git status`` started in ``tree`` with ``GIT_DIR=.git`` uses."""
    dotgit = tree / ".git"
    if os.path.isdir(dotgit):
        return dotgit
    try:
        text = read_text(str(dotgit))
    except OSError:
        return None
    if text is None or not text.startswith("gitdir: "):
        return None
    target = text[len("gitdir: ") :].rstrip("\r\n")
    path = Path(os.path.normpath(os.path.join(tree, target)))
    return path if os.path.isfile(path / "HEAD") else None


def _may_have_gitlinks(git_dir: Path) -> bool:
    try:
        names = os.listdir(git_dir)
        if any(name.startswith("sharedindex.") for name in names):
            return True  # a split index: its entries are in another file
        text = _read_bytes(git_dir / "index")
    except OSError:
        return True
    return text is not None and _GITLINK_MODE in text


def _read_bytes(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _usable_name(name: str) -> bool:
    # git refuses a command-scope key holding a newline (and no NUL can travel in the
    # environment): such a name is never allowed, and never needs denying (git could not
    # have read it from .gitmodules either).
    return bool(name) and "\n" not in name and "\0" not in name


def find_submodules(work_tree: Path) -> Submodules:
    """Every submodule under ``work_tree`` status could recurse into, read where git would."""
    if not os.access(f"{work_tree}/.gitmodules", os.F_OK):
        return NO_SUBMODULES  # nearly every repo: one system call, no exception raised
    top = _listed(work_tree)
    if top is None:
        return NO_SUBMODULES
    entries: list[ConfigEntry] = []
    vetted: dict[str, bool] = {}  # name → every submodule of that name read
    read: dict[str, bool] = {}  # a git dir → its config read cleanly
    complete = True
    count = 0
    queue: list[tuple[Path, list[tuple[str, str]], int]] = [(work_tree, top, 0)]
    while queue:
        tree, listed, depth = queue.pop()
        complete = complete and listed is not _UNREADABLE
        for name, relative in listed:
            count += 1
            if count > _MAX_SUBMODULES:
                complete = False
                break
            sub_tree = Path(os.path.normpath(os.path.join(tree, relative)))
            git_dir = _git_dir_of(sub_tree) if relative and not os.path.isabs(relative) else None
            ok = False
            if git_dir is not None:
                key = str(git_dir)  # a loop through symlinks ends at the limits
                if key not in read:
                    read[key] = _vet(git_dir, sub_tree, entries)
                    if read[key]:
                        nested = _listed(sub_tree)
                        if nested is None:
                            complete = complete and not _may_have_gitlinks(git_dir)
                        elif depth + 1 >= _MAX_DEPTH:
                            complete = False
                        else:
                            queue.append((sub_tree, nested, depth + 1))
                ok = read[key]
            vetted[name] = vetted.get(name, True) and ok
    names = [name for name in vetted if _usable_name(name)]
    allowed = [name for name in names if vetted[name]] if complete else []
    return Submodules(
        entries=tuple(entries),
        allowed=tuple(allowed),
        denied=tuple(name for name in names if name not in allowed),
        listed=True,
    )


def _vet(git_dir: Path, sub_tree: Path, entries: list[ConfigEntry]) -> bool:
    """Read ``git_dir``'s config into ``entries``: True when all of it could be read and it
    belongs to ``sub_tree`` (a ``core.worktree`` elsewhere would have git read another
    tree's ``.gitmodules``)."""
    config = load_repo_config(git_dir)
    entries.extend(e._replace(scope="submodule") for e in config.all_entries())
    if config.problems:
        return False
    worktree = config.worktree
    if worktree is None or worktree == sub_tree:  # both normalised: an absorbed one's is
        return True
    return os.path.realpath(worktree) == os.path.realpath(sub_tree)


# What status runs with in an untrusted repo: not into any submodule (a gitlink's new
# commit is still seen, its work tree is not looked into), or as the command scope says.
_ARGS = tuple(a for a in STATUS_ARGS if not a.startswith("--ignore-submodules"))
STATUS_ARGS_NO_RECURSION = (*_ARGS, "--ignore-submodules=dirty")
STATUS_ARGS_BY_CONFIG = _ARGS


def status_args(submodules: Submodules) -> tuple[str, ...]:
    return STATUS_ARGS_BY_CONFIG if submodules.allowed else STATUS_ARGS_NO_RECURSION


def recursion_config(submodules: Submodules) -> list[tuple[str, str]]:
    """Command-scope pairs for ``STATUS_ARGS_BY_CONFIG``: no submodule by default (the
    repo's ``diff.ignoreSubmodules`` is the repo's), each allowed name fully (as
    ``--ignore-submodules=none`` did: the repo's ``submodule.<name>.ignore`` and
    ``.gitmodules`` do not decide what is seen), every other name not (its own
    ``ignore = none`` would beat the default)."""
    if not submodules.allowed:
        return []
    pairs = [("diff.ignoreSubmodules", "dirty")]
    pairs.extend((f"submodule.{name}.ignore", "none") for name in submodules.allowed)
    pairs.extend((f"submodule.{name}.ignore", "dirty") for name in submodules.denied)
    return pairs
