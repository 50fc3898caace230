"""Which submodule names status may recurse into (statehub/git/submodules.py), on real
superprojects: allowed only where the config of every submodule of that name was read;
anything the walk cannot vouch for is denied, never guessed."""

from __future__ import annotations

import os
from pathlib import Path

from statehub.git.submodules import (
    NO_SUBMODULES,
    STATUS_ARGS_BY_CONFIG,
    STATUS_ARGS_NO_RECURSION,
    find_submodules,
    recursion_config,
    status_args,
)
from testing.fleet import FleetBuilder
from tests.trust.payloads import git, with_submodule


def _gitmodules(repo: Path, text: str) -> None:
    (repo / ".gitmodules").write_text(text)


def test_a_repo_without_gitmodules_has_none_and_status_does_not_recurse(
    fleet_builder: FleetBuilder,
) -> None:
    found = find_submodules(fleet_builder.clean("plain"))

    assert found == NO_SUBMODULES
    assert status_args(found) == STATUS_ARGS_NO_RECURSION
    assert "--ignore-submodules=dirty" in STATUS_ARGS_NO_RECURSION
    assert recursion_config(found) == []


def test_an_absorbed_submodule_is_read_and_allowed(fleet_builder: FleetBuilder) -> None:
    repo = with_submodule(fleet_builder, "absorbed")

    found = find_submodules(repo)

    assert (found.allowed, found.denied, found.listed) == (("sub",), (), True)
    assert {e.origin for e in found.entries} == {repo / ".git" / "modules" / "sub" / "config"}
    assert {e.scope for e in found.entries} == {"submodule"}
    assert status_args(found) == STATUS_ARGS_BY_CONFIG
    assert not any(a.startswith("--ignore-submodules") for a in STATUS_ARGS_BY_CONFIG)
    assert recursion_config(found) == [
        ("diff.ignoreSubmodules", "dirty"),
        ("submodule.sub.ignore", "none"),
    ]


def test_what_the_walk_cannot_vouch_for_is_denied(
    fleet_builder: FleetBuilder, tmp_path: Path
) -> None:
    repo = with_submodule(fleet_builder, "odd")
    (repo / "nogit").mkdir()
    (repo / "badfile").mkdir()
    (repo / "badfile" / ".git").write_text(f"gitdir: {tmp_path / 'nowhere'}\n")
    elsewhere = repo / "elsewhere"
    git(repo, "init", "--quiet", str(elsewhere))
    git(elsewhere, "config", "core.worktree", str(tmp_path))
    _gitmodules(
        repo,
        '[submodule "sub"]\n\tpath = sub\n'
        '[submodule "missing"]\n\tpath = not-checked-out\n'
        '[submodule "nogit"]\n\tpath = nogit\n'
        '[submodule "badfile"]\n\tpath = badfile\n'
        '[submodule "absolute"]\n\tpath = /etc\n'
        '[submodule "elsewhere"]\n\tpath = elsewhere\n'
        # The same name twice: git uses the first path, the walk vets both.
        '[submodule "twice"]\n\tpath = sub\n\tpath = nogit\n',
    )

    found = find_submodules(repo)

    assert found.allowed == ("sub",)
    assert sorted(found.denied) == sorted(
        ["missing", "nogit", "badfile", "absolute", "elsewhere", "twice"]
    )
    assert ("submodule.twice.ignore", "dirty") in recursion_config(found)


def test_an_unreadable_or_malformed_gitmodules_allows_nothing(
    fleet_builder: FleetBuilder,
) -> None:
    repo = with_submodule(fleet_builder, "malformed")
    _gitmodules(repo, '[submodule "sub"]\n\tpath = sub\n[broken\n')

    assert find_submodules(repo).allowed == ()
    if os.geteuid() != 0:  # root reads a file whatever its mode
        (repo / ".gitmodules").chmod(0)
        assert find_submodules(repo).allowed == ()


def test_a_submodule_whose_own_submodules_are_unseen_allows_nothing(
    fleet_builder: FleetBuilder,
) -> None:
    """A submodule with a gitlink in its index and no ``.gitmodules`` in its work tree: git
    would name it from the index's or HEAD's ``.gitmodules``, which the walk cannot read."""
    repo = with_submodule(fleet_builder, "unseen")
    sub = repo / "sub"
    head = git(sub, "rev-parse", "HEAD").strip()
    git(sub, "update-index", "--add", "--cacheinfo", f"160000,{head},inner")

    found = find_submodules(repo)

    assert (found.allowed, found.denied) == ((), ("sub",))
    assert status_args(found) == STATUS_ARGS_NO_RECURSION
