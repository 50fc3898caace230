"""git status recurses into submodules, where their own filter drivers run: in an untrusted
repo it recurses only into submodules whose config the sweep read (statehub/git/submodules.py),
on real superprojects, with the guard's environment and status arguments — what the sweep
runs. A gitlink ``.gitmodules`` does not list is not looked into (its new commit still is);
a name is recursed into only where every submodule of that name git could reach was read."""

from __future__ import annotations

from pathlib import Path

import pytest

from statehub.fleet.porcelain import STATUS_ARGS, StatusReport, parse_status
from statehub.git.inspect import find_git_dir
from statehub.git.repoconfig import load_repo_config
from statehub.git.runner import git_environment, run_git
from statehub.git.submodules import (
    STATUS_ARGS_BY_CONFIG,
    STATUS_ARGS_NO_RECURSION,
    Submodules,
    find_submodules,
    recursion_config,
)
from statehub.git.trust import RepoGuard, SweepTrust, UserConfig, guard_repo, with_command_config
from testing.fleet import FleetBuilder
from tests.trust.payloads import Payloads, git, with_submodule

COMMIT = ("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet")


def _guard(repo: Path, *, trusted: bool = False) -> tuple[RepoGuard, SweepTrust]:
    env = git_environment()
    sweep_trust = SweepTrust.build(env, UserConfig.read(env))
    config = load_repo_config(find_git_dir(repo))
    return guard_repo(config, repo, trust=sweep_trust, trusted=trusted), sweep_trust


def _status(repo: Path, args: tuple[str, ...], env: dict[str, str]) -> StatusReport:
    result = run_git(args, cwd=repo, timeout=30, env=env)
    assert result.ok, result.error_line()
    return parse_status(result.stdout)


def _filter(git_dir: Path, payloads: Payloads) -> None:
    """A filter driver in ``git_dir``'s own config, selected by its own info/attributes."""
    git(git_dir, "config", "--file", "config", "filter.evil.clean", str(payloads.script("clean")))
    (git_dir / "info").mkdir(exist_ok=True)
    (git_dir / "info" / "attributes").write_text("* filter=evil\n")


def _repo_in(parent: Path, name: str, *, git_dir: Path | None = None) -> Path:
    """A repo with one commit checked out at ``parent/name`` (its git dir elsewhere, if
    given), added to ``parent``'s index as a gitlink that no ``.gitmodules`` lists."""
    tree = parent / name
    args = ("init", "--quiet", *(("--separate-git-dir", str(git_dir)) if git_dir else ()))
    git(parent, *args, str(tree))
    (tree / "notes.txt").write_text("notes\n")
    git(tree, "add", "notes.txt")
    git(tree, *COMMIT, "-m", "notes")
    head = git(tree, "rev-parse", "HEAD").strip()
    git(parent, "update-index", "--add", "--cacheinfo", f"160000,{head},{name}")
    return tree


def _unlisted(builder: FleetBuilder, payloads: Payloads) -> tuple[Path, Path]:
    repo = builder.clean("unlisted")
    sub = _repo_in(repo, "sub")
    git(repo, *COMMIT, "-m", "sub")
    _filter(sub / ".git", payloads)
    (sub / "notes.txt").touch()  # same content, new mtime: status reads it through the filter
    return repo, sub


def test_a_gitlink_gitmodules_does_not_list_is_not_looked_into(
    fleet_builder: FleetBuilder, payloads: Payloads
) -> None:
    repo, sub = _unlisted(fleet_builder, payloads)
    guard, _ = _guard(repo)
    assert guard.status_args == STATUS_ARGS_NO_RECURSION

    (sub / "scratch.txt").write_text("never added\n")
    report = _status(repo, guard.status_args, guard.env)

    assert payloads.fired() == []
    assert (report.modified, report.untracked) == (0, 0)  # its work tree is not looked into
    # ... but a new commit checked out in it is seen, as any gitlink's is.
    git(sub, *COMMIT, "--allow-empty", "-m", "moved on")
    payloads.clear()  # plain git in the submodule, as its owner would run it, ran it
    (sub / "notes.txt").touch()
    assert _status(repo, guard.status_args, guard.env).modified == 1
    assert payloads.fired() == []
    # Live: the same environment with the arguments every trusted repo gets runs it.
    (sub / "notes.txt").touch()
    _status(repo, STATUS_ARGS, guard.env)
    assert payloads.fired() == ["clean"]


# Each would hide a submodule's work from status; none decides what the sweep sees.
HIDING = {
    "no-setting": None,
    "git-config": ("config", "submodule.sub.ignore", "all"),
    "gitmodules": ("config", "--file", ".gitmodules", "submodule.sub.ignore", "all"),
    "diff-ignore-submodules": ("config", "diff.ignoreSubmodules", "all"),
}


@pytest.mark.parametrize("hiding", HIDING)
def test_a_submodule_whose_config_was_read_is_looked_into_whatever_the_repo_says(
    hiding: str, fleet_builder: FleetBuilder, payloads: Payloads
) -> None:
    repo = with_submodule(fleet_builder, hiding)
    setting = HIDING[hiding]
    if setting is not None:
        git(repo, *setting)
    if hiding == "gitmodules":
        git(repo, "add", ".gitmodules")
        git(repo, *COMMIT, "-m", "Ignore the submodule")
    _filter(repo / ".git" / "modules" / "sub", payloads)  # read, so neutralised
    (repo / "sub" / "README.md").touch()  # read through the (neutralised) filter
    guard, _ = _guard(repo)
    assert guard.status_args == STATUS_ARGS_BY_CONFIG
    assert _status(repo, guard.status_args, guard.env).modified == 0

    (repo / "sub" / "README.md").write_text("an edit inside the submodule\n")

    assert _status(repo, guard.status_args, guard.env).modified == 1
    assert payloads.fired() == []


def test_a_name_is_not_recursed_into_where_a_submodule_could_name_it_unseen(
    fleet_builder: FleetBuilder, payloads: Payloads, tmp_path: Path
) -> None:
    """Inside the submodule ``sub`` (read), a nested repo that git names ``sub`` too through
    the *index's* ``.gitmodules`` (the work tree's is gone): the command scope that recurses
    into the top ``sub`` reaches the nested git, whose config nobody read."""
    repo = with_submodule(fleet_builder, "nested")
    sub = repo / "sub"
    inner = _repo_in(sub, "inner", git_dir=tmp_path / "inner.git")
    (sub / ".gitmodules").write_text('[submodule "sub"]\n\tpath = inner\n\turl = ./inner\n')
    git(sub, "add", ".gitmodules")
    (sub / ".gitmodules").unlink()
    _filter(tmp_path / "inner.git", payloads)
    (inner / "notes.txt").touch()

    found = find_submodules(repo)
    guard, _ = _guard(repo)
    _status(repo, guard.status_args, guard.env)

    assert found.allowed == () and found.denied == ("sub",)
    assert guard.status_args == STATUS_ARGS_NO_RECURSION
    assert payloads.fired() == []
    # Live: had ``sub`` been allowed, the nested git would have run the filter.
    allowed = Submodules(entries=found.entries, allowed=("sub",), listed=True)
    env = with_command_config(guard.env, recursion_config(allowed))
    _status(repo, STATUS_ARGS_BY_CONFIG, env)
    assert payloads.fired() == ["clean"]


def test_a_nested_submodule_of_the_same_name_is_read_before_the_name_is_allowed(
    fleet_builder: FleetBuilder, payloads: Payloads, tmp_path: Path
) -> None:
    """The same nesting with the nested one listed in the submodule's work tree (and
    committed): the walk follows its ``.git`` file, reads its config and neutralises its
    driver, and status still looks into both."""
    repo = with_submodule(fleet_builder, "listed-nested")
    sub = repo / "sub"
    inner = _repo_in(sub, "inner", git_dir=tmp_path / "inner.git")
    (sub / ".gitmodules").write_text('[submodule "sub"]\n\tpath = inner\n\turl = ./inner\n')
    git(sub, "add", ".gitmodules")
    git(sub, *COMMIT, "-m", "A nested submodule")
    git(repo, "add", "sub")
    git(repo, *COMMIT, "-m", "The submodule moved on")
    _filter(tmp_path / "inner.git", payloads)
    (inner / "notes.txt").touch()
    (inner / "scratch.txt").write_text("never added\n")

    guard, _ = _guard(repo)
    report = _status(repo, guard.status_args, guard.env)

    assert find_submodules(repo).allowed == ("sub",)
    assert (report.modified, report.untracked) == (0, 1)  # seen two levels down
    assert payloads.fired() == []
    assert any("filter.evil.clean" in line for line in guard.untrusted)
    # Live: trusted, the nested git runs it.
    trusted, _ = _guard(repo, trusted=True)
    _status(repo, trusted.status_args, trusted.env)
    assert payloads.fired() == ["clean"]


def test_a_trusted_repo_is_unchanged(fleet_builder: FleetBuilder, payloads: Payloads) -> None:
    repo, _ = _unlisted(fleet_builder, payloads)
    guard, sweep_trust = _guard(repo, trusted=True)

    assert guard.status_args == STATUS_ARGS
    assert guard.env is sweep_trust.env
    _status(repo, guard.status_args, guard.env)
    assert payloads.fired() == ["clean"]  # its own programs run, as the opt-in says


def test_a_listed_submodule_with_a_git_dir_of_its_own_is_read_and_its_filter_neutralised(
    fleet_builder: FleetBuilder, payloads: Payloads
) -> None:
    """Not absorbed under ``.git/modules``: ``sub/.git`` is a directory. The submodule walk
    is the only reader of its config (the repo's own reader reads ``modules/`` alone)."""
    repo = fleet_builder.clean("own-git-dir")
    sub = _repo_in(repo, "sub")
    git(repo, "config", "--file", ".gitmodules", "submodule.sub.path", "sub")
    git(repo, "config", "--file", ".gitmodules", "submodule.sub.url", "./sub")
    git(repo, "add", ".gitmodules")
    git(repo, *COMMIT, "-m", "sub, listed")
    assert (sub / ".git").is_dir()
    _filter(sub / ".git", payloads)
    (sub / "notes.txt").touch()  # same content, new mtime: status reads it through the filter

    guard, _ = _guard(repo)

    assert guard.status_args == STATUS_ARGS_BY_CONFIG  # its config was read: looked into
    [shown] = [line for line in guard.untrusted if line.startswith("filter.evil.clean=")]
    assert shown.endswith("(sub/.git/config)")
    assert _status(repo, guard.status_args, guard.env).modified == 0
    (sub / "notes.txt").write_text("an edit inside the submodule\n")
    assert _status(repo, guard.status_args, guard.env).modified == 1
    assert payloads.fired() == []
    # Live: with the content back as committed, the arguments and environment a trusted
    # repo gets read it through the filter.
    (sub / "notes.txt").write_text("notes\n")
    _status(repo, STATUS_ARGS, git_environment())
    assert payloads.fired() == ["clean"]
