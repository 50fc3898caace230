"""The fleet registry: which repos State Hub knows, by name and normalised path."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from statehub.config import FleetConfig, load_fleet_config
from statehub.errors import ConfigError, NotAGitRepo, RegistryError, RepoNotFound
from statehub.fleet.discover import discover, not_a_work_tree_but_a_git_dir
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.repos import RepoRecord, add_repo, find_repo_by_path, get_repo, upsert_repo


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


def unique_name(db: Session, path: Path) -> str:
    """The directory's name, or ``parent-name``, or ``name-2``… when that is taken."""
    candidates = [path.name or "root", f"{path.parent.name}-{path.name}"]
    for candidate in candidates:
        if not _name_taken(db, candidate):
            return candidate
    n = 2
    while _name_taken(db, f"{candidates[0]}-{n}"):
        n += 1
    return f"{candidates[0]}-{n}"


def add(
    db: Session, *, path: str | Path, name: str | None = None, allow_push: bool = False
) -> RepoRecord:
    repo_path = normalise(path)
    _require_work_tree(repo_path)
    return add_repo(
        db,
        name=name or unique_name(db, repo_path),
        path=str(repo_path),
        allow_push=allow_push,
        source="cli",
    )


@dataclass
class DiscoverReport:
    added: list[RepoRecord] = field(default_factory=list)
    known: list[RepoRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


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
        for tree in found.work_trees:
            tree = tree.resolve()
            existing = find_repo_by_path(db, path=str(tree))
            if existing is not None:
                report.known.append(existing)
                continue
            name = unique_name(db, tree)
            report.added.append(add_repo(db, name=name, path=str(tree), source=source))
    return report


def sync_config(db: Session, config: FleetConfig) -> DiscoverReport:
    """Register what the config file names; nothing it no longer names is removed."""
    report = DiscoverReport()
    for index, entry in enumerate(config.repos):
        repo_path = normalise(entry.path)
        if not (repo_path / ".git").exists() and (
            reason := not_a_work_tree_but_a_git_dir(repo_path)
        ):
            raise ConfigError(f"{config.where(index)}: {repo_path} {reason}")
        existing = find_repo_by_path(db, path=str(repo_path))
        name = entry.name or (existing.name if existing else unique_name(db, repo_path))
        record, created = upsert_repo(
            db, name=name, path=str(repo_path), allow_push=entry.allow_push, source="config"
        )
        (report.added if created else report.known).append(record)
    if config.discover:
        found = discover_into(db, roots=list(config.discover), source="config")
        report.added.extend(found.added)
        report.known.extend(found.known)
        report.skipped.extend(found.skipped)
    return report


def sync_config_file(settings: Settings, store: Store) -> DiscoverReport | None:
    """Register what the fleet config file names, if there is one (before each sweep)."""
    path = settings.resolved_config_file
    if path is None:
        return None
    config = load_fleet_config(path)
    with store.session() as db:
        return sync_config(db, config)
