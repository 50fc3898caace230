"""Fix mode does only what ``git pull --ff-only`` / ``git push`` (push.default=simple) would,
and less: on real repos where the user's own git would lose their files or publish to the
wrong branch, the sweep refuses and says why in ``actions``."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from statehub.store import Store
from statehub.store.repos import add_repo
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import Mode, RepoReport, SweepResult
from testing.fleet import FleetBuilder
from tests.repostates import (
    FILE_PROTOCOL,
    commit_all,
    push_from_teammate,
    remote_of,
    rev,
    teammate,
    with_submodule,
)


def _sweep_fix(store: Store, sweeper: Sweeper, path: Path, *, fetch: bool = True) -> SweepResult:
    with store.session() as db:
        add_repo(db, name="repo", path=str(path), allow_push=True)
    return sweeper.run(SweepRequest(max_seconds=60, mode=Mode.FIX, fetch=fetch))


def _only(result: SweepResult) -> RepoReport:
    [report] = result.repos_processed
    return report


def test_it_refuses_to_push_a_topic_branch_onto_the_remote_branch_it_tracks(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    repo = fleet_builder.clean("repo")
    fleet_builder.git(repo, "switch", "--quiet", "-c", "topic", "--track", "origin/main")
    (repo / "topic.txt").write_text("work in progress\n")
    commit_all(fleet_builder, repo, "Topic work")
    remote_main = rev(fleet_builder, remote_of(fleet_builder, "repo"), "main")

    report = _only(_sweep_fix(store, sweeper, repo))

    assert report.actions == [
        "refused to push topic: it tracks 'main' on origin, not a branch of the same name "
        "(git push with push.default=simple refuses this too)"
    ]
    assert report.findings == ["ahead"]
    assert rev(fleet_builder, remote_of(fleet_builder, "repo"), "main") == remote_main


def test_it_never_pushes_to_a_remote_whose_name_reads_as_an_option(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, tmp_path: Path
) -> None:
    marker = tmp_path / "receive-pack-ran"
    payload = tmp_path / "payload.sh"
    payload.write_text(f'#!/bin/sh\ntouch {shlex.quote(str(marker))}\nexec git-receive-pack "$@"\n')
    payload.chmod(0o755)
    repo = fleet_builder.ahead("repo")
    evil = f"--receive-pack={payload}"
    fleet_builder.git(repo, "config", f"remote.{evil}.url", str(remote_of(fleet_builder, "repo")))
    fleet_builder.git(repo, "config", f"remote.{evil}.fetch", "+refs/heads/*:refs/remotes/evil/*")
    fleet_builder.git(repo, "config", "branch.main.remote", evil)
    fleet_builder.git(repo, "update-ref", "refs/remotes/evil/main", "HEAD~1")

    # No fetch: this test is about the push alone, whatever the fetch makes of the name.
    report = _only(_sweep_fix(store, sweeper, repo, fetch=False))

    assert not marker.exists()
    assert report.actions == [
        f"refused to push main: its remote's name {evil!r} is not a name git gives a remote "
        "(read as an option?)"
    ]
    # Such a remote name is itself reported as the repo's own config naming a program.
    assert report.findings == ["ahead", "untrusted_config"]


def test_it_refuses_a_push_that_git_push_would_send_to_another_remote(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    repo = fleet_builder.ahead("repo")
    fleet_builder.clean("fork")  # a second remote, where this user publishes
    fork = remote_of(fleet_builder, "fork")
    fleet_builder.git(repo, "remote", "add", "fork", str(fork))
    fleet_builder.git(repo, "config", "remote.pushDefault", "fork")
    heads = {r: rev(fleet_builder, r, "main") for r in (remote_of(fleet_builder, "repo"), fork)}

    report = _only(_sweep_fix(store, sweeper, repo))

    assert report.actions == [
        "refused to push main: git push sends it to 'fork' (pushRemote or remote.pushDefault), "
        "not to 'origin' where its upstream is"
    ]
    assert {r: rev(fleet_builder, r, "main") for r in heads} == heads


@pytest.mark.parametrize(
    ("ignored", "mine", "theirs"),
    [
        pytest.param("build.log", {"build.log": "my log\n"}, {"build.log": "theirs\n"}, id="file"),
        pytest.param(
            "cache", {"cache": "my cache\n"}, {"cache/x": "theirs\n"}, id="file-under-dir"
        ),
        pytest.param("out/", {"out/keep": "my output\n"}, {"out": "theirs\n"}, id="dir-to-file"),
    ],
)
def test_it_refuses_a_fast_forward_that_would_overwrite_an_ignored_file(
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    ignored: str,
    mine: dict[str, str],
    theirs: dict[str, str | None],
) -> None:
    repo = fleet_builder.clean("repo")
    (repo / ".gitignore").write_text(f"{ignored}\n")
    commit_all(fleet_builder, repo, "Ignore build output")
    fleet_builder.git(repo, "push", "--quiet", "origin", "main")
    push_from_teammate(fleet_builder, "repo", theirs)  # force-added over the ignore rule
    for relative, content in mine.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(content)
    head = rev(fleet_builder, repo)

    report = _only(_sweep_fix(store, sweeper, repo))

    [action] = report.actions
    assert action.startswith("refused to fast-forward main: ")
    assert "is untracked or ignored in the work tree" in action
    assert {r: (repo / r).read_text() for r in mine} == mine
    assert rev(fleet_builder, repo) == head and report.findings == ["behind"]


def test_it_refuses_a_fast_forward_that_would_move_a_submodule_pointer(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    repo = with_submodule(fleet_builder, "repo")
    library = teammate(fleet_builder, "repo-lib")
    (library / "lib.txt").write_text("new library code\n")
    commit_all(fleet_builder, library, "Library change")
    fleet_builder.git(library, "push", "--quiet", "origin", "main")
    other = teammate(fleet_builder, "repo")
    fleet_builder.git(other, *FILE_PROTOCOL, "submodule", "update", "--quiet", "--init", "--remote")
    commit_all(fleet_builder, other, "Move the submodule to the library's main")
    fleet_builder.git(other, "push", "--quiet", "origin", "main")
    head = rev(fleet_builder, repo)

    report = _only(_sweep_fix(store, sweeper, repo))

    assert report.actions == [
        "refused to fast-forward main: it would move the submodule pointer sub"
    ]
    assert report.findings == ["behind"]  # not dirty: nothing moved
    assert rev(fleet_builder, repo) == head


def test_a_fast_forward_that_deletes_or_replaces_tracked_files_still_happens(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    repo = fleet_builder.clean("repo")
    (repo / "a").write_text("a file that becomes a directory\n")
    (repo / "gone.txt").write_text("deleted upstream\n")
    commit_all(fleet_builder, repo, "Two files")
    fleet_builder.git(repo, "push", "--quiet", "origin", "main")
    push_from_teammate(fleet_builder, "repo", {"a": None, "gone.txt": None, "a/b": "a dir now\n"})

    result = _sweep_fix(store, sweeper, repo)

    assert result.repos_processed[0].actions == ["fast-forwarded main"]
    assert result.repos_processed[0].findings == []
    assert (repo / "a" / "b").read_text() == "a dir now\n"
    assert not (repo / "gone.txt").exists()
