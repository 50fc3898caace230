"""Every fix-mode, worktree and fidelity case of issue 11 in one fleet, swept at once in fix
mode: within its budget, every repo in exactly one list, each with its own verdict."""

from __future__ import annotations

import shlex
from pathlib import Path

from statehub.store import Store
from statehub.store.repos import add_repo
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import Mode, SweepResult
from testing.fleet import FleetBuilder
from tests.repostates import (
    commit_all,
    partial_clone_with_a_staged_rename,
    push_from_teammate,
    remote_of,
    with_submodule,
    with_worktrees,
)

BUDGET = 30


def _fleet(builder: FleetBuilder, marker: Path) -> dict[str, Path]:
    topic = builder.clean("topic")
    builder.git(topic, "switch", "--quiet", "-c", "topic", "--track", "origin/main")
    (topic / "topic.txt").write_text("work\n")
    commit_all(builder, topic, "Topic work")

    option = builder.ahead("option-remote")
    payload = builder.root / "payload.sh"
    payload.write_text(f'#!/bin/sh\ntouch {shlex.quote(str(marker))}\nexec git-receive-pack "$@"\n')
    payload.chmod(0o755)
    evil = f"--receive-pack={payload}"
    builder.git(option, "config", f"remote.{evil}.url", str(remote_of(builder, "option-remote")))
    builder.git(option, "config", f"remote.{evil}.fetch", "+refs/heads/*:refs/remotes/evil/*")
    builder.git(option, "config", "branch.main.remote", evil)
    builder.git(option, "update-ref", "refs/remotes/evil/main", "HEAD~1")

    ignored = builder.clean("ignored")
    (ignored / ".gitignore").write_text("build.log\n")
    commit_all(builder, ignored, "Ignore the log")
    builder.git(ignored, "push", "--quiet", "origin", "main")
    push_from_teammate(builder, "ignored", {"build.log": "theirs\n"})
    (ignored / "build.log").write_text("mine\n")

    hidden = with_submodule(builder, "hidden")
    builder.git(hidden, "config", "submodule.sub.ignore", "all")
    (hidden / "sub" / "README.md").write_text("edited inside the submodule\n")

    partial, _ = partial_clone_with_a_staged_rename(builder, "partial")
    repos = {"topic": topic, "option-remote": option, "ignored": ignored, "hidden": hidden}
    repos["partial"] = partial
    for tree in with_worktrees(builder, "trees", 8):
        repos[tree.name] = tree
    return repos


def _placed(result: SweepResult) -> list[str]:
    return sorted(
        [r.name for r in result.repos_processed]
        + [e.name for e in result.errors]
        + result.skipped_clean
        + result.skipped_missing
        + result.skipped_budget
    )


def test_a_fix_sweep_over_every_issue_11_case_at_once(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, tmp_path: Path
) -> None:
    marker = tmp_path / "payload-ran"
    repos = _fleet(fleet_builder, marker)
    with store.session() as db:
        for name, path in repos.items():
            add_repo(db, name=name, path=str(path), allow_push=True)

    result = sweeper.run(SweepRequest(max_seconds=BUDGET, mode=Mode.FIX))

    assert result.duration_seconds < BUDGET and result.skipped_budget == []
    assert _placed(result) == sorted(repos)
    assert not marker.exists()
    reports = {r.name: r for r in result.repos_processed}
    assert reports["topic"].actions[0].startswith("refused to push topic: it tracks 'main'")
    assert reports["option-remote"].actions[0].startswith("refused to push main: its remote's name")
    assert reports["ignored"].actions[0].startswith("refused to fast-forward main: build.log")
    assert (repos["ignored"] / "build.log").read_text() == "mine\n"
    assert "dirty" in reports["hidden"].findings
    assert reports["partial"].findings == ["staged"]
    trees = [name for name in repos if name.startswith("trees-wt")]
    assert all(reports[name].actions == [f"fast-forwarded b{name[-1]}"] for name in trees)
    assert all("fetch_failed" not in reports[name].findings for name in trees)
