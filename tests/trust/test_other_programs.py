"""Programs no sweep command would start even trusted (``diff.external``, ``core.pager``,
``core.askPass``, ``gpg.program``) are still reported, and neutralised all the same.

The payloads are live: plain git runs ``diff.external`` for ``git diff`` and ``core.pager``
on a terminal.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from statehub.store import Store
from statehub.sweep.engine import Sweeper
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder
from tests.trust.payloads import Payloads, register, report, set_config, sweep, untrusted_keys

KEYS = ["core.askpass", "core.pager", "diff.external", "gpg.program", "pager.log"]


def _repo(builder: FleetBuilder, payloads: Payloads) -> Path:
    repo = builder.dirty("programs")
    set_config(repo, "diff.external", str(payloads.script("external-diff")))
    set_config(repo, "core.pager", str(payloads.script("pager")))
    set_config(repo, "pager.log", str(payloads.script("log-pager")))
    set_config(repo, "core.askPass", str(payloads.script("askpass")))
    set_config(repo, "gpg.program", str(payloads.script("gpg")))
    set_config(repo, "merge.verifySignatures", "true")
    return repo


@pytest.mark.parametrize(
    ("mode", "fetch"), [(Mode.WARN, True), (Mode.WARN, False), (Mode.FIX, True)]
)
def test_they_are_reported_and_never_run(
    mode: Mode,
    fetch: bool,
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
) -> None:
    register(store, "programs", _repo(fleet_builder, payloads))

    entry = report(sweep(sweeper, mode, fetch=fetch), "programs")

    assert payloads.fired() == []
    assert sorted(entry.findings) == ["dirty", "untrusted_config"]
    assert sorted(untrusted_keys(entry)) == KEYS


def _on_a_terminal(repo: Path, *args: str) -> None:
    leader, follower = os.openpty()
    try:
        subprocess.run(
            ["git", *args], cwd=repo, stdin=subprocess.DEVNULL, stdout=follower, timeout=30
        )
    finally:
        os.close(follower)
        os.close(leader)


def test_the_payloads_are_live_under_plain_git(
    fleet_builder: FleetBuilder, payloads: Payloads, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(fleet_builder, payloads)
    subprocess.run(["git", "diff"], cwd=repo, capture_output=True, timeout=30)
    monkeypatch.delenv("GIT_PAGER", raising=False)  # it would beat core.pager
    _on_a_terminal(repo, "log", "-1")
    _on_a_terminal(repo, "show", "-s")
    assert {"external-diff", "log-pager", "pager"} <= set(payloads.fired())
