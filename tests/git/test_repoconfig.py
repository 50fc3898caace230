"""load_repo_config reads what git reads from a repo's own files, with file reads only.

Each case is compared with git itself (``git config --list --local/--worktree`` follows the
same includes); submodules, legacy remotes and the small API are checked on real repos.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from statehub.git.repoconfig import load_repo_config, parse_bool
from testing.fleet import FleetBuilder


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=30
    ).stdout


def _gits_own(repo: Path) -> list[tuple[str, str | None]]:
    """What git reads from the repo's own files (not the user's), in order."""
    out = _git(repo, "config", "--list", "-z", "--show-scope")
    fields = out.split("\0")
    entries: list[tuple[str, str | None]] = []
    for scope, item in zip(fields[0::2], fields[1::2], strict=False):
        if scope in ("local", "worktree"):
            key, newline, value = item.partition("\n")
            entries.append((key, value if newline else None))
    return entries


def _ours(repo: Path) -> list[tuple[str, str | None]]:
    config = load_repo_config(repo / ".git")
    return [(e.key, e.value) for e in config.entries]


def test_includes_are_followed_where_and_as_git_follows_them(
    fleet_builder: FleetBuilder, tmp_path: Path
) -> None:
    repo = fleet_builder.clean("includes")
    (repo / "team.gitconfig").write_text("[team]\n\tname = in the work tree\n")
    (tmp_path / "abs.gitconfig").write_text("[abs]\n\tkey = 1\n[include]\n\tpath = nested.cfg\n")
    (tmp_path / "nested.cfg").write_text("[nested]\n\tkey = relative to its includer\n")
    (tmp_path / "loop.cfg").write_text(
        f"[loop]\n\tkey = x\n[include]\n\tpath = {tmp_path}/loop.cfg\n"
    )
    (tmp_path / "gitdir.cfg").write_text("[cond]\n\tgitdir = matched\n")
    (tmp_path / "other.cfg").write_text("[cond]\n\tother = never\n")
    (tmp_path / "branch.cfg").write_text("[cond]\n\tbranch = main\n")
    with (repo / ".git" / "config").open("a") as file:
        file.write(
            "[include]\n\tpath = ../team.gitconfig\n"
            f"\tpath = {tmp_path}/abs.gitconfig\n"
            "\tpath = missing-is-ignored.cfg\n"
            f'[includeIf "gitdir:{repo}/"]\n\tpath = {tmp_path}/gitdir.cfg\n'
            f'[includeIf "gitdir:/elsewhere/"]\n\tpath = {tmp_path}/other.cfg\n'
            f'[includeIf "onbranch:ma*"]\n\tpath = {tmp_path}/branch.cfg\n'
            "[after]\n\tkey = last\n"
        )

    assert _ours(repo) == _gits_own(repo)
    assert ("cond.other", "never") not in _ours(repo)

    # A cycle git refuses outright is bounded here, not followed for ever.
    with (repo / ".git" / "config").open("a") as file:
        file.write(f"[include]\n\tpath = {tmp_path}/loop.cfg\n")
    config = load_repo_config(repo / ".git")
    assert any("nests too deep" in problem for problem in config.problems)


def test_worktree_config_and_a_linked_worktree(fleet_builder: FleetBuilder, tmp_path: Path) -> None:
    repo = fleet_builder.clean("worktrees")
    _git(repo, "config", "extensions.worktreeConfig", "true")
    _git(repo, "config", "--worktree", "core.fsmonitor", "/main/tree")
    linked = tmp_path / "linked"
    _git(repo, "worktree", "add", "--quiet", "-b", "side", str(linked))
    _git(linked, "config", "--worktree", "core.fsmonitor", "/linked/tree")

    for tree in (repo, linked):
        git_dir = Path(_git(tree, "rev-parse", "--absolute-git-dir").strip())
        config = load_repo_config(git_dir)
        assert [(e.key, e.value) for e in config.entries] == _gits_own(tree)
        assert config.common_dir == repo / ".git"
    assert config.get("core.fsmonitor") == "/linked/tree"
    assert config.entries[-1].scope == "worktree"


def test_remotes_upstream_worktree_and_bare(fleet_builder: FleetBuilder) -> None:
    repo = fleet_builder.ahead("api")
    _git(repo, "remote", "add", "mirror", "/srv/mirror.git")
    _git(repo, "config", "--add", "remote.mirror.url", "/srv/second.git")
    _git(repo, "remote", "add", "quiet", "/srv/quiet.git")
    _git(repo, "config", "remote.quiet.skipFetchAll", "true")
    (repo / ".git" / "remotes").mkdir()
    (repo / ".git" / "remotes" / "legacy").write_text("URL: /srv/legacy.git\n")

    config = load_repo_config(repo / ".git")

    remotes = config.remotes()
    assert remotes["mirror"] == ("/srv/mirror.git", "/srv/second.git")
    assert "quiet" not in remotes and "legacy" in remotes
    assert config.upstream("main") == ("origin", "refs/heads/main")
    assert config.upstream("nothing") is None
    assert config.worktree is None and config.bare is False
    _git(repo, "config", "core.worktree", "../elsewhere")
    assert load_repo_config(repo / ".git").worktree == repo / "elsewhere"


def test_submodule_configs_are_read_too(fleet_builder: FleetBuilder) -> None:
    fleet_builder.clean("lib")
    repo = fleet_builder.clean("app")
    lib = fleet_builder.remotes / "lib.git"
    _git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "--quiet", str(lib), "a/lib")
    _git(repo / "a" / "lib", "config", "filter.sub.clean", "/from/the/submodule")

    config = load_repo_config(repo / ".git")

    [entry] = [e for e in config.submodule_entries if e.key == "filter.sub.clean"]
    assert entry.value == "/from/the/submodule" and entry.scope == "submodule"
    assert entry.origin == repo / ".git" / "modules" / "a" / "lib" / "config"
    assert "filter.sub.clean" not in [e.key for e in config.entries]


def test_parse_bool_matches_gits_words() -> None:
    assert [parse_bool(v) for v in (None, "yes", "On", "1", "false", "off", "0", "")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert parse_bool("/usr/bin/watchman") is None
