"""common_git_dir names the git dir a work tree's refs live in, for a Path or its str."""

from __future__ import annotations

import os
from pathlib import Path

from statehub.git.worktrees import common_git_dir
from testing.fleet import FleetBuilder
from tests.repostates import with_worktrees


def test_it_names_a_clones_own_git_dir_and_the_one_its_worktrees_share(
    fleet_builder: FleetBuilder,
) -> None:
    plain = fleet_builder.clean("plain")
    first, second = with_worktrees(fleet_builder, "shared", 2)
    main_clone = fleet_builder.repos / "shared"
    shared = os.path.realpath(main_clone / ".git")

    for given in (plain, str(plain)):
        assert common_git_dir(given) == str(plain / ".git")
    for tree in (first, second, str(first), str(second)):
        assert common_git_dir(tree) == shared
    assert common_git_dir(main_clone) == str(main_clone / ".git")
    # Every worktree of the clone and the clone itself are one group to the engine.
    assert os.path.realpath(str(common_git_dir(main_clone))) == shared


def test_it_names_nothing_where_no_git_dir_can_be_read(
    fleet_builder: FleetBuilder, tmp_path: Path
) -> None:
    gone = fleet_builder.missing("gone")
    not_a_repo = fleet_builder.not_a_repo("plain-dir")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / ".git").write_text("not a gitfile\n")
    for path in (gone, not_a_repo, tmp_path / "bad"):
        assert common_git_dir(path) is None
        assert common_git_dir(str(path)) is None
