"""Programs a repository names for git's local work (status, merge) never run in a sweep.

Each vector plants a payload that writes a marker and is swept for real in warn, --no-fetch
and fix mode: no marker, the finding ``untrusted_config`` naming the key, the repo still
inspected (its state is what it would be without the payload). The same repo registered with
``trust_repo_config`` fires the payload: the vector is live, and the opt-in restores it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from statehub.store import Store
from statehub.sweep.engine import Sweeper
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder
from tests.trust.payloads import (
    Payloads,
    exclude,
    git,
    register,
    report,
    set_config,
    sweep,
    trust,
    untrusted_keys,
    with_submodule,
)

SWEEPS = {
    "warn": (Mode.WARN, True),
    "no-fetch": (Mode.WARN, False),
    "fix": (Mode.FIX, True),
}
# What the swept repo's findings are, payload or not: behind only once fetched, and fix mode
# fast-forwards it.
BEHIND = {"warn": ["behind"], "no-fetch": [], "fix": []}
CLEAN: dict[str, list[str]] = {"warn": [], "no-fetch": [], "fix": []}
FSMONITOR = "#!/bin/sh\nexit 1"  # a failing hook: git falls back to a full scan


@dataclass(frozen=True)
class Vector:
    build: Callable[[FleetBuilder, Payloads, str], Path]
    keys: tuple[str, ...]  # what untrusted_config names
    findings: dict[str, list[str]]
    fires_in: str  # the sweep in which a trusted repo's payload runs


def _touch_tracked(repo: Path, name: str) -> None:
    """Same content, new mtime: status must read the file again (through its clean filter)."""
    stamp = time.time() - 3600
    os.utime(repo / name, (stamp, stamp))


def _fsmonitor_direct(b: FleetBuilder, p: Payloads, name: str) -> Path:
    repo = b.behind(name)
    set_config(repo, "core.fsmonitor", str(p.script("fsmonitor", FSMONITOR)))
    return repo


def _fsmonitor_included(b: FleetBuilder, p: Payloads, name: str) -> Path:
    repo = b.behind(name)
    # Included from a file in the work tree, by a path relative to .git/config.
    (repo / "team.gitconfig").write_text(
        f'[core]\n\tfsmonitor = "{p.script("fsmonitor", FSMONITOR)}"\n'
    )
    exclude(repo, "team.gitconfig")
    set_config(repo, "include.path", "../team.gitconfig")
    return repo


def _fsmonitor_include_if(b: FleetBuilder, p: Payloads, name: str) -> Path:
    repo = b.behind(name)
    included = p.root / "conditional.gitconfig"
    included.write_text(f"[core]\n\tfsmonitor = {p.script('fsmonitor', FSMONITOR)}\n")
    set_config(repo, f"includeIf.gitdir:{repo}/.git.path", str(included))
    return repo


def _fsmonitor_in_submodule(b: FleetBuilder, p: Payloads, name: str) -> Path:
    repo = with_submodule(b, name)
    sub_git = repo / ".git" / "modules" / "sub"
    git(sub_git, "config", "core.fsmonitor", str(p.script("fsmonitor", FSMONITOR)))
    return repo


def _clean_filter(b: FleetBuilder, p: Payloads, name: str, attributes: Path | None) -> Path:
    repo = b.clean(name)
    (repo / "notes.txt").write_text("notes\n")
    if attributes is None:
        (repo / ".gitattributes").write_text("*.txt filter=evil\n")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "notes")
    git(repo, "push", "-q")
    b._remote_moves_on(name)  # behind once fetched, like the other vectors
    if attributes is not None:
        (repo / attributes).write_text("*.txt filter=evil\n")
    set_config(repo, "filter.evil.clean", str(p.script("clean", "exec cat")))
    set_config(repo, "filter.evil.smudge", str(p.script("smudge", "exec cat")))
    set_config(repo, "filter.evil.required", "true")
    _touch_tracked(repo, "notes.txt")
    return repo


def _filter_by_gitattributes(b: FleetBuilder, p: Payloads, name: str) -> Path:
    return _clean_filter(b, p, name, None)


def _filter_by_info_attributes(b: FleetBuilder, p: Payloads, name: str) -> Path:
    return _clean_filter(b, p, name, Path(".git/info/attributes"))


def _process_filter(b: FleetBuilder, p: Payloads, name: str) -> Path:
    repo = _clean_filter(b, p, name, None)
    git(repo, "config", "--unset-all", "filter.evil.clean")
    git(repo, "config", "--unset-all", "filter.evil.smudge")
    git(repo, "config", "filter.evil.required", "false")  # the payload speaks no protocol
    set_config(repo, "filter.evil.process", str(p.script("process", "exit 1")))
    return repo


_HOOKS = (
    "reference-transaction",
    "post-merge",
    "post-index-change",
    "pre-auto-gc",
    "post-checkout",
    "post-rewrite",
)


def _plant_hooks(p: Payloads, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for hook in _HOOKS:
        target = folder / hook
        target.write_text(p.script(hook).read_text())
        target.chmod(0o755)


def _hooks_in_git_dir(b: FleetBuilder, p: Payloads, name: str) -> Path:
    repo = b.behind(name)
    _plant_hooks(p, repo / ".git" / "hooks")
    return repo


def _hooks_in_local_hooks_path(b: FleetBuilder, p: Payloads, name: str) -> Path:
    repo = b.behind(name)
    _plant_hooks(p, repo / ".githooks")
    exclude(repo, ".githooks/")
    set_config(repo, "core.hooksPath", ".githooks")
    return repo


HOOK_KEYS = tuple(f"hook .git/hooks/{h}" for h in sorted(_HOOKS))
VECTORS = {
    "fsmonitor": Vector(_fsmonitor_direct, ("core.fsmonitor",), BEHIND, "no-fetch"),
    "fsmonitor-include": Vector(_fsmonitor_included, ("core.fsmonitor",), BEHIND, "no-fetch"),
    "fsmonitor-includeIf": Vector(_fsmonitor_include_if, ("core.fsmonitor",), BEHIND, "no-fetch"),
    "fsmonitor-submodule": Vector(_fsmonitor_in_submodule, ("core.fsmonitor",), CLEAN, "no-fetch"),
    "filter-gitattributes": Vector(
        _filter_by_gitattributes, ("filter.evil.clean", "filter.evil.smudge"), BEHIND, "no-fetch"
    ),
    "filter-info-attributes": Vector(
        _filter_by_info_attributes, ("filter.evil.clean", "filter.evil.smudge"), BEHIND, "no-fetch"
    ),
    "filter-process": Vector(_process_filter, ("filter.evil.process",), BEHIND, "no-fetch"),
    "hooks": Vector(_hooks_in_git_dir, (), BEHIND, "fix"),
    "hooks-hooksPath": Vector(_hooks_in_local_hooks_path, ("core.hookspath",), BEHIND, "fix"),
}


@pytest.mark.parametrize("sweep_name", list(SWEEPS))
@pytest.mark.parametrize("vector_name", list(VECTORS))
def test_no_payload_runs_and_the_repo_is_still_inspected(
    vector_name: str,
    sweep_name: str,
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
) -> None:
    vector = VECTORS[vector_name]
    repo = vector.build(fleet_builder, payloads, vector_name)
    register(store, vector_name, repo)
    mode, fetch = SWEEPS[sweep_name]

    result = sweep(sweeper, mode, fetch=fetch)

    assert payloads.fired() == []
    entry = report(result, vector_name)
    assert sorted(entry.findings) == sorted([*vector.findings[sweep_name], "untrusted_config"])
    keys = untrusted_keys(entry)
    assert set(vector.keys) <= set(keys), keys
    if vector_name.startswith("hooks"):
        assert any(k.startswith("hook ") and k.endswith("post-merge") for k in keys), keys
    if mode is Mode.FIX and vector.findings is BEHIND:
        assert entry.actions == ["fast-forwarded main"]


@pytest.mark.parametrize("vector_name", list(VECTORS))
def test_the_payload_is_live_and_trusting_the_repo_runs_it(
    vector_name: str,
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
) -> None:
    vector = VECTORS[vector_name]
    repo = vector.build(fleet_builder, payloads, vector_name)
    register(store, vector_name, repo)
    trust(store, vector_name)
    mode, fetch = SWEEPS[vector.fires_in]

    result = sweep(sweeper, mode, fetch=fetch)

    assert payloads.fired() != []
    # Swept (a payload that speaks no filter protocol may make git fail: an error entry).
    placed = [r.name for r in result.repos_processed] + result.skipped_clean
    assert vector_name in placed + [e.name for e in result.errors]
    for entry in result.repos_processed:
        assert "untrusted_config" not in entry.findings


def test_hooks_a_sweep_sets_off_are_all_planted_and_none_runs(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, payloads: Payloads
) -> None:
    """The hooks of fetch and of fix mode's fast-forward, in one fix-mode sweep."""
    repo = _hooks_in_git_dir(fleet_builder, payloads, "hooked")
    register(store, "hooked", repo)

    entry = report(sweep(sweeper, Mode.FIX), "hooked")

    assert payloads.fired() == []
    assert entry.state is not None
    assert sorted(entry.state.untrusted_config) == sorted(HOOK_KEYS)
    trust(store, "hooked")
    fleet_builder._remote_moves_on("hooked")  # behind again, for the trusted sweep
    sweep(sweeper, Mode.FIX)
    assert {"reference-transaction", "post-merge", "post-index-change"} <= set(payloads.fired())
