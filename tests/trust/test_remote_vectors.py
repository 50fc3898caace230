"""Programs a repository names for talking to remotes never run in a sweep (fetch, push).

As in test_local_vectors: a payload per vector, swept for real; no marker, the finding, the
repo still inspected through its sane remote; trusted, the payload fires.
"""

from __future__ import annotations

import shlex
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from statehub.git import inspect as inspect_module
from statehub.store import Store
from statehub.sweep.engine import Sweeper
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder
from tests.trust.payloads import (
    Payloads,
    git,
    register,
    report,
    set_config,
    sweep,
    untrusted_keys,
)

UPLOAD = 'exec git-upload-pack "$@"'
RECEIVE = 'exec git-receive-pack "$@"'


def closed_port() -> int:
    """A loopback port nothing listens on: a connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Vector:
    build: Callable[[FleetBuilder, Payloads, str, str], Path]
    keys: tuple[str, ...]
    findings: list[str]  # besides untrusted_config, in warn mode
    fix_actions: list[str] = field(default_factory=lambda: ["fast-forwarded main"])


def _mirror(repo: Path, url: str) -> None:
    """A second remote, so origin still fetches and the repo is still seen as behind."""
    git(repo, "remote", "add", "mirror", url)


def _uploadpack(b: FleetBuilder, p: Payloads, name: str, _: str) -> Path:
    repo = b.behind(name)
    set_config(repo, "remote.origin.uploadpack", shlex.quote(str(p.script("upload", UPLOAD))))
    return repo


def _receivepack(b: FleetBuilder, p: Payloads, name: str, _: str) -> Path:
    repo = b.ahead(name)
    set_config(repo, "remote.origin.receivepack", shlex.quote(str(p.script("receive", RECEIVE))))
    return repo


def _ext(b: FleetBuilder, p: Payloads, name: str, _: str) -> Path:
    repo = b.behind(name)
    set_config(repo, "protocol.ext.allow", "always")
    _mirror(repo, f"ext::sh -c {p.script('ext')}")
    return repo


def _git_proxy(b: FleetBuilder, p: Payloads, name: str, _: str) -> Path:
    repo = b.behind(name)
    set_config(repo, "core.gitProxy", str(p.script("proxy")))
    _mirror(repo, f"git://127.0.0.1:{closed_port()}/repo.git")
    return repo


def _git_proxy_reset_after(b: FleetBuilder, p: Payloads, name: str, _: str) -> Path:
    """git takes the first core.gitProxy it reads: an empty one after the payload's does
    not reset it (the value git would use is not the last one)."""
    repo = _git_proxy(b, p, name, _)
    set_config(repo, "core.gitProxy", "")
    return repo


def _credential_helper(b: FleetBuilder, p: Payloads, name: str, password_url: str) -> Path:
    repo = b.behind(name)
    set_config(repo, "credential.helper", f"!{p.script('credential')}")
    _mirror(repo, password_url)
    return repo


def _url_credential_helper(b: FleetBuilder, p: Payloads, name: str, password_url: str) -> Path:
    repo = b.behind(name)
    # URL-scoped, with the port: git matches the helper to this remote only.
    base = password_url.split("/private/")[0]
    set_config(repo, f"credential.{base}.helper", f"!{p.script('credential')}")
    _mirror(repo, password_url)
    return repo


def _alternate_refs(b: FleetBuilder, p: Payloads, name: str, _: str) -> Path:
    repo = b.behind(name)
    # Borrowing objects from another repo: fetch asks that repo for its refs, by this command.
    other = b.clean(f"{name}-objects")
    (repo / ".git" / "objects" / "info" / "alternates").write_text(f"{other}/.git/objects\n")
    set_config(repo, "core.alternateRefsCommand", str(p.script("alternate-refs")))
    return repo


def _ssh_command(b: FleetBuilder, p: Payloads, name: str, _: str) -> Path:
    repo = b.behind(name)
    set_config(repo, "core.sshCommand", str(p.script("ssh")))
    _mirror(repo, f"ssh://git@127.0.0.1:{closed_port()}/repo.git")
    return repo


FAILED = ["fetch_failed"]
VECTORS = {
    "uploadpack": Vector(_uploadpack, ("remote.origin.uploadpack",), ["behind"]),
    "receivepack": Vector(_receivepack, ("remote.origin.receivepack",), ["ahead"], ["pushed main"]),
    "ext": Vector(_ext, ("protocol.ext.allow", "remote.mirror.url"), ["behind", *FAILED]),
    "gitProxy": Vector(_git_proxy, ("core.gitproxy",), ["behind", *FAILED]),
    "gitProxy-reset-after": Vector(_git_proxy_reset_after, ("core.gitproxy",), ["behind", *FAILED]),
    "credential-helper": Vector(_credential_helper, ("credential.helper",), ["behind", *FAILED]),
    "credential-url-helper": Vector(_url_credential_helper, ("credential",), ["behind", *FAILED]),
    "alternateRefsCommand": Vector(_alternate_refs, ("core.alternaterefscommand",), ["behind"]),
    "sshCommand": Vector(_ssh_command, ("core.sshcommand",), ["behind", *FAILED]),
}


@pytest.mark.parametrize("mode", [Mode.WARN, Mode.FIX])
@pytest.mark.parametrize("vector_name", list(VECTORS))
def test_no_payload_runs_on_fetch_or_push(
    vector_name: str,
    mode: Mode,
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
    password_server_url: str,
) -> None:
    vector = VECTORS[vector_name]
    repo = vector.build(fleet_builder, payloads, vector_name, password_server_url)
    register(store, vector_name, repo)

    entry = report(sweep(sweeper, mode), vector_name)

    assert payloads.fired() == []
    keys = untrusted_keys(entry)
    assert all(any(k.startswith(want) for k in keys) for want in vector.keys), keys
    expected = {*vector.findings, "untrusted_config"}
    if mode is Mode.FIX:
        assert entry.actions == vector.fix_actions
        expected -= {"behind", "ahead"}
    assert set(entry.findings) == expected
    if "fetch_failed" in expected:
        assert entry.message is not None and entry.message.startswith("mirror: ")


@pytest.mark.parametrize("vector_name", list(VECTORS))
def test_each_remote_payload_is_live_and_runs_when_trusted(
    vector_name: str,
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
    password_server_url: str,
) -> None:
    vector = VECTORS[vector_name]
    repo = vector.build(fleet_builder, payloads, vector_name, password_server_url)
    register(store, vector_name, repo, trusted=True)

    sweep(sweeper, Mode.FIX)

    assert payloads.fired() != []


def _option_named_remotes(b: FleetBuilder, p: Payloads, name: str) -> tuple[Path, str, str]:
    """A repo ahead of a remote named like an option, which its branch tracks."""
    repo = b.ahead(name)
    remote_path = b.remotes / f"{name}.git"
    fetch_name = f"--upload-pack={p.script('option-upload')}"
    push_name = f"--receive-pack={p.script('option-receive')}"
    for odd in (fetch_name, push_name):
        set_config(repo, f"remote.{odd}.url", str(remote_path))
        set_config(repo, f"remote.{odd}.fetch", f"+refs/heads/*:refs/remotes/{odd}/*")
    git(repo, "update-ref", f"refs/remotes/{push_name}/main", "HEAD~1")
    git(repo, "config", "branch.main.remote", push_name)
    return repo, fetch_name, push_name


def test_a_remote_named_like_an_option_is_neither_fetched_nor_pushed_to(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, payloads: Payloads
) -> None:
    repo, fetch_name, push_name = _option_named_remotes(fleet_builder, payloads, "options")
    register(store, "options", repo)
    before = git(fleet_builder.remotes / "options.git", "rev-parse", "main")

    for mode in (Mode.WARN, Mode.FIX):
        entry = report(sweep(sweeper, mode), "options")
        assert payloads.fired() == []
        assert "fetch_failed" in entry.findings
        assert entry.message is not None
        assert entry.message.count(": not fetched: its name could be taken for an option") == 2
        assert entry.message.startswith(f"{fetch_name[:40]}")
        assert entry.state is not None and entry.state.ahead == 1
    assert entry.actions == [
        f"refused to push main: its remote's name '{push_name}' is not a name git gives a "
        "remote (read as an option?)"
    ]
    assert git(fleet_builder.remotes / "options.git", "rev-parse", "main") == before

    # The payloads are live: plain `git fetch --all` hands each name to a child fetch as an
    # option, and `git push <name>` reads it as one.
    subprocess.run(["git", "fetch", "--all", "--quiet"], cwd=repo, capture_output=True, timeout=60)
    subprocess.run(["git", "push", push_name, "main"], cwd=repo, capture_output=True, timeout=60)
    assert {"option-upload", "option-receive"} <= set(payloads.fired())


@pytest.mark.parametrize("how", ["hook", "hooks-path"])
def test_a_push_to_a_repository_on_this_machine_with_hooks_is_refused(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, payloads: Payloads, how: str
) -> None:
    """git's local transport runs git-receive-pack in the remote repository itself, with its
    hooks and without our command scope: a push there would run them as the user."""
    repo = fleet_builder.ahead("local-remote")
    remote = fleet_builder.remotes / "local-remote.git"
    hooks = remote / "hooks" if how == "hook" else fleet_builder.remotes / "elsewhere-hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    (hooks / "post-receive").write_text(payloads.script("post-receive").read_text())
    (hooks / "post-receive").chmod(0o755)
    if how == "hooks-path":
        git(remote, "config", "core.hooksPath", str(hooks))
    register(store, "local-remote", repo)
    before = git(remote, "rev-parse", "main")

    entry = report(sweep(sweeper, Mode.FIX), "local-remote")

    assert payloads.fired() == []
    assert len(entry.actions) == 1 and entry.actions[0].startswith(
        f"refused to push main: its remote {remote} is a repository on this machine whose"
    )
    assert git(remote, "rev-parse", "main") == before
    # The payload is live: the user's own push runs it.
    subprocess.run(["git", "push", "--quiet"], cwd=repo, capture_output=True, timeout=60)
    assert payloads.fired() == ["post-receive"]


def test_a_hook_that_appears_after_the_look_does_not_run_in_the_push(
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The push to a repository on this machine goes ahead only when it has no hooks, and
    then with git-receive-pack told to run none. The race — a hook written between the
    look and the push — cannot be timed for real, so the look is made to find nothing (a
    stand-in for that fault, and the only one here) while the hook is already there."""
    repo = fleet_builder.ahead("raced-remote")
    remote = fleet_builder.remotes / "raced-remote.git"
    (remote / "hooks").mkdir(exist_ok=True)
    (remote / "hooks" / "post-receive").write_text(payloads.script("post-receive").read_text())
    (remote / "hooks" / "post-receive").chmod(0o755)
    finds_nothing = lambda work_tree, url, local_path: None  # noqa: E731
    monkeypatch.setattr(inspect_module, "_local_repo_refusal", finds_nothing)
    register(store, "raced-remote", repo)

    entry = report(sweep(sweeper, Mode.FIX), "raced-remote")

    assert entry.actions == ["pushed main"]
    assert payloads.fired() == []
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "main")
