"""Work inside a submodule is seen whatever the repo's own settings say, and a submodule that
holds only new files is ``untracked``, not ``dirty`` — on real superprojects."""

from __future__ import annotations

from pathlib import Path

import pytest

from statehub.fleet.state import Finding, findings_for
from statehub.git.inspect import inspect_repo
from testing.fleet import FleetBuilder
from tests.repostates import commit_all, with_submodule

# Each hides a submodule's work from `git status` unless told --ignore-submodules=none.
HIDING = {
    "no-setting": None,
    "git-config": ("config", "submodule.sub.ignore", "all"),
    "gitmodules": ("config", "--file", ".gitmodules", "submodule.sub.ignore", "all"),
    "diff-ignore-submodules": ("config", "diff.ignoreSubmodules", "all"),
}


def _superproject(builder: FleetBuilder, hiding: str) -> Path:
    repo = with_submodule(builder, "super")
    setting = HIDING[hiding]
    if setting is not None:
        builder.git(repo, *setting)
    if hiding == "gitmodules":  # committed, as a project that ships it would have it
        commit_all(builder, repo, "Ignore the submodule")
        builder.git(repo, "push", "--quiet", "origin", "main")
    return repo


def _findings(repo: Path) -> list[Finding]:
    return findings_for(inspect_repo(repo, timeout=10))


@pytest.mark.parametrize("hiding", HIDING)
def test_a_changed_file_inside_a_submodule_is_dirty_whatever_the_repo_says(
    fleet_builder: FleetBuilder, hiding: str
) -> None:
    repo = _superproject(fleet_builder, hiding)
    assert _findings(repo) == []
    (repo / "sub" / "README.md").write_text("an edit inside the submodule\n")

    assert _findings(repo) == [Finding.DIRTY]


@pytest.mark.parametrize("hiding", HIDING)
def test_a_submodule_with_only_new_files_is_untracked_not_dirty(
    fleet_builder: FleetBuilder, hiding: str
) -> None:
    repo = _superproject(fleet_builder, hiding)
    (repo / "sub" / "scratch.txt").write_text("never added\n")

    assert _findings(repo) == [Finding.UNTRACKED]


def test_a_new_commit_checked_out_in_a_submodule_is_dirty(fleet_builder: FleetBuilder) -> None:
    repo = _superproject(fleet_builder, "git-config")
    sub = repo / "sub"
    fleet_builder.git(sub, "commit", "--quiet", "--allow-empty", "-m", "Work in the submodule")

    assert _findings(repo) == [Finding.DIRTY]
