"""A fast-forward ends with git's auto maintenance, whose gc runs the repo's ``pre-auto-gc``
hook (and may daemonize out of the sweep's process group). The sweep's fast-forward runs no
maintenance at all, trusted or not; the same hook fires under the user's plain
``git merge --ff-only`` on an identical repo, so the payload is live."""

from __future__ import annotations

import shutil
from pathlib import Path

from statehub.store import Store
from statehub.sweep.engine import Sweeper
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder
from tests.trust.payloads import Payloads, git, register, report, set_config, sweep


def _wants_gc(builder: FleetBuilder, payloads: Payloads, name: str) -> Path:
    """A repo behind its upstream (once fetched) whose next merge would start `gc --auto`."""
    repo = builder.behind(name)
    git(repo, "fetch", "-q")
    # Packs above a limit of one: gc --auto decides it must run. (A local clone's objects are
    # loose, so each round makes one more pack of its own.)
    for n in (1, 2):
        (repo / f"extra{n}.txt").write_text(f"to pack {n}\n")
        git(repo, "add", f"extra{n}.txt")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", f"extra {n}")
        git(repo, "reset", "-q", "--hard", "HEAD~1")  # the objects stay, loose
        git(repo, "repack", "-q")
    assert len(list((repo / ".git" / "objects" / "pack").glob("*.pack"))) >= 2
    set_config(repo, "gc.autoPackLimit", "1")
    set_config(repo, "gc.autoDetach", "false")
    hook = repo / ".git" / "hooks" / "pre-auto-gc"
    hook.write_text(payloads.script("pre-auto-gc", "exit 1").read_text())
    hook.chmod(0o755)
    return repo


def test_the_hook_is_live_under_plain_git_merge(
    fleet_builder: FleetBuilder, payloads: Payloads, tmp_path: Path
) -> None:
    repo = _wants_gc(fleet_builder, payloads, "plain")
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, symlinks=True)

    git(copy, "merge", "-q", "--ff-only", "@{upstream}")

    assert payloads.fired() == ["pre-auto-gc"]


def test_a_fix_sweep_fast_forwards_without_maintenance_trusted_or_not(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, payloads: Payloads
) -> None:
    register(store, "untrusted", _wants_gc(fleet_builder, payloads, "untrusted"))
    register(store, "trusted", _wants_gc(fleet_builder, payloads, "trusted"), trusted=True)

    result = sweep(sweeper, Mode.FIX, fetch=True)

    assert payloads.fired() == []
    for name in ("untrusted", "trusted"):
        assert name in result.skipped_clean or "behind" not in report(result, name).findings
