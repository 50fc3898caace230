"""The fleet registry: which repos State Hub knows, by name and normalised path."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from statehub.config import FleetConfig, RepoEntry, load_fleet_config
from statehub.errors import ConfigError, NotAGitRepo, RegistryError, RepoConflict, RepoNotFound
from statehub.fleet.discover import discover, not_a_work_tree_but_a_git_dir
from statehub.fleet.names import name_problem, printable
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.repos import (
    RepoRecord,
    add_repo,
    find_repo_by_path,
    get_repo,
    list_repos,
    remove_repo,
    upsert_repo,
)


def normalise(path: str | Path) -> Path:
    """Absolute, ``~`` expanded, symlinks resolved: one repo, one path."""
    return Path(os.path.expanduser(str(path))).resolve()


def _require_work_tree(path: Path) -> None:
    if not path.exists():
        raise RegistryError(f"{path} does not exist")
    if not path.is_dir():
        raise RegistryError(f"{path} is not a directory")
    if not (path / ".git").exists() and (reason := not_a_work_tree_but_a_git_dir(path)):
        raise NotAGitRepo(str(path), reason)
    if not (path / ".git").exists():
        raise NotAGitRepo(str(path), "it has no .git (run `git init` or clone it first)")


def _name_taken(db: Session, name: str) -> bool:
    try:
        get_repo(db, name=name)
    except RepoNotFound:
        return False
    return True


def check_name(name: str, *, where: str = "--name") -> str:
    """``name``, or RegistryError saying why it cannot name a repo."""
    problem = name_problem(name)
    if problem is not None:
        raise RegistryError(
            f"{where}: the repo name {printable(name)!r} is refused: {problem}; "
            "choose a name of printable characters"
        )
    return name


def unique_name(db: Session, path: Path) -> str:
    """The directory's name, or ``parent-name``, or ``name-2``… when that is taken.

    Unprintable characters in a directory's name are spelled as escapes (see
    ``statehub.fleet.names``), so the name is safe to print; its path stays as it is.
    """
    candidates = [
        printable(path.name) or "root",
        printable(f"{path.parent.name}-{path.name}"),
    ]
    for candidate in candidates:
        if not _name_taken(db, candidate):
            return candidate
    n = 2
    while _name_taken(db, f"{candidates[0]}-{n}"):
        n += 1
    return f"{candidates[0]}-{n}"


def add(
    db: Session,
    *,
    path: str | Path,
    name: str | None = None,
    allow_push: bool = False,
    trust_repo_config: bool = False,
) -> RepoRecord:
    repo_path = normalise(path)
    _require_work_tree(repo_path)
    return add_repo(
        db,
        name=check_name(name) if name is not None else unique_name(db, repo_path),
        path=str(repo_path),
        allow_push=allow_push,
        trust_repo_config=trust_repo_config,
        source="cli",
    )


@dataclass
class DiscoverReport:
    added: list[RepoRecord] = field(default_factory=list)
    known: list[RepoRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[RepoRecord] = field(default_factory=list)
    # Configuration problems, one sentence each: reported by the sweep, never fatal to it.
    problems: list[str] = field(default_factory=list)
    # Repos whose directory name could not be printed as it is: what they are named instead.
    sanitized: list[RepoRecord] = field(default_factory=list)


def _register_found(db: Session, report: DiscoverReport, trees: list[Path], source: str) -> None:
    for tree in trees:
        tree = tree.resolve()
        existing = find_repo_by_path(db, path=str(tree))
        if existing is not None:
            report.known.append(existing)
            continue
        name = unique_name(db, tree)
        try:
            # A savepoint: a clash found by the database must not doom the whole sync.
            with db.begin_nested():
                record = add_repo(db, name=name, path=str(tree), source=source)
        except RepoConflict as exc:  # registered by another process meanwhile
            report.problems.append(f"{tree} was not registered: {exc}")
            continue
        report.added.append(record)
        if not tree.name.isprintable():
            report.sanitized.append(record)


def discover_into(
    db: Session, *, roots: list[str | Path], source: str = "discover"
) -> DiscoverReport:
    report = DiscoverReport()
    for root in roots:
        root_path = normalise(root)
        if not root_path.is_dir():
            raise RegistryError(f"discovery root {root_path} is not a directory")
        found = discover(root_path)
        report.skipped.extend(found.skipped)
        _register_found(db, report, found.work_trees, source)
    return report


def _root_problem(root: Path) -> str | None:
    """Why a ``discover:`` root cannot be scanned (unmounted, gone, unreadable), or None."""
    if not root.exists():
        return f"discover root {root} does not exist (is its disk mounted?)"
    if not root.is_dir():
        return f"discover root {root} is not a directory"
    if not os.access(root, os.R_OK | os.X_OK):
        return f"discover root {root} cannot be read by this user"
    return None


def _sync_entry(db: Session, report: DiscoverReport, entry: RepoEntry, where: str) -> None:
    repo_path = normalise(entry.path)
    if not (repo_path / ".git").exists() and (reason := not_a_work_tree_but_a_git_dir(repo_path)):
        report.problems.append(f"{where}: {repo_path} {reason}; it was not registered")
        return
    if entry.name is not None and (problem := name_problem(entry.name)) is not None:
        report.problems.append(
            f"{where}: name {printable(entry.name)!r} is refused: {problem}; "
            f"{printable(str(repo_path))} was not registered — give it a printable name"
        )
        return
    existing = find_repo_by_path(db, path=str(repo_path))
    name = entry.name or (existing.name if existing else unique_name(db, repo_path))
    holder = _named(db, name)
    if holder is not None and holder.path != str(repo_path) and holder.source != "config":
        report.problems.append(
            f"{where}: name {name!r} is already registered for {holder.path} "
            f"(added with `statehub repos {holder.source}`); {repo_path} was not registered — "
            "give the entry another name"
        )
        return
    try:
        with db.begin_nested():  # as in _register_found: one clash must not doom the sync
            record, created = upsert_repo(
                db,
                name=name,
                path=str(repo_path),
                allow_push=entry.allow_push,
                trust_repo_config=entry.trust_repo_config,
                source="config",
            )
    except RepoConflict as exc:
        report.problems.append(f"{where}: {exc}; give the entry the registered name or remove it")
        return
    (report.added if created else report.known).append(record)


def _named(db: Session, name: str) -> RepoRecord | None:
    try:
        return get_repo(db, name=name)
    except RepoNotFound:
        return None


def _unregister_dropped(
    db: Session, report: DiscoverReport, config: FleetConfig, roots: list[Path]
) -> None:
    """Unregister what the file registered and no longer names; repos added by hand stay.

    A repo under a listed ``discover:`` root stays even when the scan did not find it: a
    root that is unmounted today is the same root tomorrow, and its repos are *missing*.
    """
    named = {str(normalise(entry.path)) for entry in config.repos}
    for record in list_repos(db):
        if record.source != "config" or record.path in named:
            continue
        if any(Path(record.path).is_relative_to(root) for root in roots):
            continue
        report.removed.append(remove_repo(db, name=record.name))


def sync_config(db: Session, config: FleetConfig, *, source: str = "config") -> DiscoverReport:
    """Register what the config file names and unregister what it no longer names.

    Problems (a clash, a bare repository, an unusable discover root) are reported, never
    raised: the sweep goes on over the rest of the fleet. ``source`` names the file in
    problems that belong to no entry.
    """
    report = DiscoverReport()
    seen: dict[str, int] = {}
    for index, entry in enumerate(config.repos):
        where = config.where(index)
        if entry.name is not None and entry.name in seen:
            report.problems.append(
                f"{where}: name {entry.name!r} is also given to repos[{seen[entry.name]}]; "
                f"{normalise(entry.path)} was not registered — give each entry its own name"
            )
            continue
        if entry.name is not None:
            seen[entry.name] = index
        _sync_entry(db, report, entry, where)
    roots = [normalise(root) for root in config.discover]
    for root in roots:
        problem = _root_problem(root)
        if problem is not None:
            report.problems.append(f"{source}: {problem}; its repos were kept as they were")
            continue
        found = discover(root)
        report.skipped.extend(found.skipped)
        _register_found(db, report, found.work_trees, "config")
    _unregister_dropped(db, report, config, roots)
    return report


def sync_config_file(settings: Settings, store: Store) -> DiscoverReport | None:
    """Register what the fleet config file names, if there is one (before each sweep).

    A file that cannot be read or parsed changes nothing in the registry; its problem is
    the report's one problem.
    """
    path = settings.resolved_config_file
    if path is None:
        return None
    try:
        config = load_fleet_config(path)
    except ConfigError as exc:
        return DiscoverReport(
            problems=[f"{exc} (the sweep used the repos registered before; fix the file)"]
        )
    with store.session() as db:
        return sync_config(db, config, source=str(path))
