"""Nearly every repo has nothing to neutralise but the keys every repo gets: those share one
environment per sweep, and it is exactly what the full path would have built for them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from statehub.git.inspect import find_git_dir
from statehub.git.repoconfig import load_repo_config
from statehub.git.runner import git_environment
from statehub.git.submodules import find_submodules
from statehub.git.trust import (
    RepoGuard,
    SweepTrust,
    UserConfig,
    guard_repo,
    neutralising_config,
    with_command_config,
)
from testing.fleet import FleetBuilder
from tests.trust.payloads import Payloads, git, set_config

ALWAYS = ("protocol.ext.allow", "core.hooksPath", "core.fsmonitor")


def _sweep_trust() -> SweepTrust:
    env = git_environment()
    return SweepTrust.build(env, UserConfig.read(env))


def _guard(repo: Path, sweep_trust: SweepTrust) -> tuple[RepoGuard, dict[str, str]]:
    """The guard of ``repo``, and the environment the full path builds for it."""
    config = load_repo_config(find_git_dir(repo))
    pairs = neutralising_config(config, sweep_trust.user, submodules=find_submodules(repo))
    full = with_command_config(sweep_trust.env, pairs)
    return guard_repo(config, repo, trust=sweep_trust, trusted=False), full


def _command_keys(env: dict[str, str]) -> list[str]:
    return [env[f"GIT_CONFIG_KEY_{i}"] for i in range(int(env["GIT_CONFIG_COUNT"]))]


def test_a_repo_with_nothing_to_neutralise_gets_the_sweeps_one_environment(
    fleet_builder: FleetBuilder,
) -> None:
    sweep_trust = _sweep_trust()
    repos = [fleet_builder.clean("clean"), fleet_builder.behind("behind")]
    set_config(repos[0], "core.pager", "")  # names no program
    set_config(repos[1], "filterx.evil.clean", "not a filter section")

    for repo in repos:
        guard, full = _guard(repo, sweep_trust)
        assert guard.env is sweep_trust.plain_env
        assert guard.env == full
        assert guard.untrusted == () and guard.hooks == ()
        assert not guard.upload_packs and not guard.receive_packs
    assert _command_keys(sweep_trust.plain_env)[-3:] == list(ALWAYS)


def _fsmonitor_boolean(b: FleetBuilder, repo: Path, p: Payloads) -> None:
    set_config(repo, "core.fsmonitor", "true")  # git's own daemon: kept, not a program


def _empty_filter(b: FleetBuilder, repo: Path, p: Payloads) -> None:
    set_config(repo, "filter.x.clean", "")  # names nothing, still set again


def _hook(b: FleetBuilder, repo: Path, p: Payloads) -> None:
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    shutil.copy(p.script("hook"), hooks / "post-merge")


def _fsmonitor_program(b: FleetBuilder, repo: Path, p: Payloads) -> None:
    set_config(repo, "core.fsmonitor", str(p.script("fsmonitor")))


def _submodule(b: FleetBuilder, repo: Path, p: Payloads) -> None:
    # Status may look into it: its name is set to be recursed into, the default not.
    b.clean(f"{repo.name}-sub")
    remote = str(b.remotes / f"{repo.name}-sub.git")
    b.git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "--quiet", remote, "sub")


def _filter_in_submodule(b: FleetBuilder, repo: Path, p: Payloads) -> None:
    _submodule(b, repo, p)
    git(repo / ".git" / "modules" / "sub", "config", "filter.evil.clean", str(p.script("clean")))


NOT_PLAIN: dict[str, Callable[[FleetBuilder, Path, Payloads], None]] = {
    "fsmonitor-boolean": _fsmonitor_boolean,
    "empty-filter": _empty_filter,
    "hook": _hook,
    "fsmonitor-program": _fsmonitor_program,
    "submodule": _submodule,
    "filter-in-submodule": _filter_in_submodule,
}


@pytest.mark.parametrize("case", list(NOT_PLAIN))
def test_a_repo_the_full_path_treats_differently_does_not_get_it(
    case: str, fleet_builder: FleetBuilder, payloads: Payloads
) -> None:
    sweep_trust = _sweep_trust()
    repo = fleet_builder.clean(case)
    assert _guard(repo, sweep_trust)[0].env is sweep_trust.plain_env  # before
    NOT_PLAIN[case](fleet_builder, repo, payloads)

    guard, full = _guard(repo, sweep_trust)

    assert guard.env is not sweep_trust.plain_env
    assert guard.env == full
    assert guard.untrusted or case in ("fsmonitor-boolean", "empty-filter", "submodule")
