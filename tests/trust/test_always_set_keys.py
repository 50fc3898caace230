"""The keys every untrusted repo gets stay even where its files name nothing to neutralise
(docs/security.md, "The keys every repo gets"): each test plants a payload that only that
key stops, proves it does not run, and that it runs without the key (or trusted).

``core.hooksPath``: a hook written after ``sweep_hooks`` listed the repo's (the listing is
what is reported; git looks hooks up by name when it runs). ``protocol.ext.allow=never``: an
``ext::`` URL in a ``.git/remotes`` file, which no config entry names, under a user who
allows every protocol. ``core.fsmonitor``: a submodule whose ``.git`` file points outside
``.git/modules``, whose config ``repoconfig`` does not read (the submodule walk of
``statehub/git/submodules.py`` does, and reports it; only the key stops it). That
submodule's filter driver is neutralised by name once the walk has read it; one in a
checked-out gitlink ``.gitmodules`` does not list is never read, so status is not let look
into that gitlink (strict known failure here until the sweep passes the guard's status
arguments to git status; ``test_submodules.py`` proves them).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from statehub.git.inspect import fetch_all, find_git_dir
from statehub.git.repoconfig import load_repo_config
from statehub.git.runner import git_environment
from statehub.git.trust import SweepTrust, UserConfig, guard_repo
from statehub.store import Store
from statehub.sweep.engine import Sweeper
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder
from tests.trust.payloads import Payloads, git, register, report, sweep, trust, with_submodule

SWEEPS = {"warn": (Mode.WARN, True), "no-fetch": (Mode.WARN, False), "fix": (Mode.FIX, True)}


def _submodule_outside_modules(builder: FleetBuilder, name: str, elsewhere: Path) -> Path:
    """A submodule checked out with a ``.git`` file that points outside ``.git/modules``
    (as ``git submodule absorbgitdirs`` would not leave it: moved by hand, or unpacked)."""
    repo = with_submodule(builder, name)
    shutil.move(repo / ".git" / "modules" / "sub", elsewhere)
    (repo / "sub" / ".git").write_text(f"gitdir: {elsewhere}\n")
    _config(elsewhere, "core.worktree", str(repo / "sub"))
    return repo


def _config(git_dir: Path, key: str, value: str) -> None:
    # A file, not `git -C`: git would first chdir to the core.worktree that file names.
    git(git_dir.parent, "config", "--file", str(git_dir / "config"), key, value)


@pytest.mark.parametrize("sweep_name", list(SWEEPS))
def test_the_keys_every_repo_gets_cover_a_submodule_the_reader_does_not_see(
    sweep_name: str,
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere.git"
    repo = _submodule_outside_modules(fleet_builder, "outside", elsewhere)
    _config(elsewhere, "core.fsmonitor", str(payloads.script("fsmonitor", "exit 1")))
    register(store, "outside", repo)
    mode, fetch = SWEEPS[sweep_name]

    result = sweep(sweeper, mode, fetch=fetch)

    assert payloads.fired() == []
    assert "outside" in result.skipped_clean + [r.name for r in result.repos_processed]
    # Live: the same sweep of the trusted repo runs it (no-fetch is enough).
    trust(store, "outside")
    sweep(sweeper, Mode.WARN, fetch=False)
    assert payloads.fired() == ["fsmonitor"]


def test_a_filter_in_a_submodule_the_reader_does_not_see_does_not_run(
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere.git"
    repo = _submodule_outside_modules(fleet_builder, "outside", elsewhere)
    _config(elsewhere, "filter.evil.clean", str(payloads.script("clean", "exec cat")))
    (elsewhere / "info").mkdir(exist_ok=True)
    (elsewhere / "info" / "attributes").write_text("* filter=evil\n")
    for tracked in (repo / "sub").iterdir():
        if tracked.is_file():
            tracked.touch()  # same content, new mtime: status reads it through the filter
    register(store, "outside", repo)

    sweep(sweeper, Mode.WARN, fetch=False)

    assert payloads.fired() == []


@pytest.mark.parametrize("sweep_name", ["warn", "fix"])
def test_an_ext_url_in_a_legacy_remote_file_does_not_run_where_the_user_allows_every_protocol(
    sweep_name: str,
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``.git/remotes/<name>`` is a remote with no config entry to classify; git's own
    default refuses ``ext::``, but not once the user allows every protocol, so only the
    always-set ``protocol.ext.allow=never`` stands between the URL and its program."""
    repo = fleet_builder.behind("legacy-ext")
    (repo / ".git" / "remotes").mkdir(exist_ok=True)
    (repo / ".git" / "remotes" / "old").write_text(f"URL: ext::sh -c {payloads.script('ext')}\n")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")  # the user's own command scope
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "protocol.allow")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "always")
    register(store, "legacy-ext", repo)
    mode, fetch = SWEEPS[sweep_name]

    entry = report(sweep(sweeper, mode, fetch=fetch), "legacy-ext")

    assert payloads.fired() == []
    assert "fetch_failed" in entry.findings
    assert entry.message is not None and entry.message.startswith("old: ")
    # Live: trusted, the repo's git runs under the user's policy alone.
    trust(store, "legacy-ext")
    sweep(sweeper, Mode.WARN)
    assert payloads.fired() == ["ext"]


def test_a_hook_written_after_the_listing_does_not_run(
    fleet_builder: FleetBuilder, payloads: Payloads
) -> None:
    """The listing is a report, taken before git runs: git itself looks in ``/dev/null``."""
    repo = fleet_builder.behind("late-hook")
    env = git_environment()
    sweep_trust = SweepTrust.build(env, UserConfig.read(env))
    guard = guard_repo(load_repo_config(find_git_dir(repo)), repo, trust=sweep_trust, trusted=False)
    assert guard.env is sweep_trust.plain_env
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    shutil.copy(payloads.script("reference-transaction"), hooks / "reference-transaction")

    assert fetch_all(repo, timeout=30, env=guard.env, remotes=["origin"]).ok

    assert payloads.fired() == []
    # Live: the same fetch without the command scope runs it.
    fleet_builder._remote_moves_on("late-hook")
    assert fetch_all(repo, timeout=30, env=sweep_trust.env, remotes=["origin"]).ok
    assert payloads.fired() == ["reference-transaction"]


def test_a_filter_in_a_submodule_gitmodules_does_not_list_does_not_run(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, payloads: Payloads
) -> None:
    repo = fleet_builder.clean("unlisted")
    sub = repo / "sub"
    git(repo, "init", "--quiet", str(sub))
    (sub / "notes.txt").write_text("notes\n")
    git(sub, "add", "notes.txt")
    git(sub, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "notes")
    head = git(sub, "rev-parse", "HEAD").strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},sub")  # no .gitmodules
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "sub")
    git(sub, "config", "filter.evil.clean", str(payloads.script("clean", "exec cat")))
    (sub / ".git" / "info").mkdir(exist_ok=True)
    (sub / ".git" / "info" / "attributes").write_text("* filter=evil\n")
    (sub / "notes.txt").touch()  # same content, new mtime: status reads it through the filter
    register(store, "unlisted", repo)

    sweep(sweeper, Mode.WARN, fetch=False)

    assert payloads.fired() == []
