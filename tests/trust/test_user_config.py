"""What the user configured globally keeps working in a sweep, and beats what a repo names.

The user's global config is a file of this test's own (``GIT_CONFIG_GLOBAL``), as
``~/.gitconfig`` would be: a credential helper against a loopback HTTP remote that wants a
password, ``core.sshCommand`` (a stand-in ssh that runs the remote command locally), and
``url.<base>.insteadOf``.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from statehub.store import Store
from statehub.sweep.engine import Sweeper
from statehub.sweep.result import Mode
from testing.fleet import FleetBuilder
from tests.trust.http_remote import PASSWORD, USER, password_git_server
from tests.trust.payloads import Payloads, git, register, report, set_config, sweep

BASE = "[user]\n\tname = Tests\n\temail = tests@statehub.invalid\n"


@pytest.fixture
def user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's ~/.gitconfig for this test (what a sweep must honour)."""
    path = tmp_path / "user.gitconfig"
    path.write_text(BASE)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(path))
    monkeypatch.delenv("GIT_SSH_COMMAND", raising=False)
    return path


@pytest.fixture
def http_base(fleet_builder: FleetBuilder) -> Iterator[str]:
    fleet_builder.remotes.mkdir(parents=True, exist_ok=True)
    with password_git_server(fleet_builder.remotes) as url:
        yield url


def _over_http(builder: FleetBuilder, name: str, base: str) -> Path:
    repo = builder.behind(name)
    git(repo, "remote", "set-url", "origin", f"{base}/{name}.git")
    return repo


def _user_helper(payloads: Payloads) -> Path:
    return payloads.script(
        "user-credential",
        f'[ "$1" = get ] && printf "username={USER}\\npassword={PASSWORD}\\n"\nexit 0',
    )


def test_a_global_credential_helper_logs_in_to_an_http_remote(
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
    user_config: Path,
    http_base: str,
) -> None:
    register(store, "private", _over_http(fleet_builder, "private", http_base))
    register(store, "hostile", _over_http(fleet_builder, "hostile", http_base))
    set_config(fleet_builder.repos / "hostile", "credential.helper", f"!{payloads.script('evil')}")

    # Without the user's helper the remote refuses: the check below can fail.
    before = sweep(sweeper)
    assert "fetch_failed" in report(before, "private").findings
    assert "terminal prompts disabled" in (report(before, "private").message or "")

    with user_config.open("a") as file:
        file.write(f"[credential]\n\thelper = {_user_helper(payloads)}\n")
    payloads.clear()
    result = sweep(sweeper)

    assert report(result, "private").findings == ["behind"]
    hostile = report(result, "hostile")
    assert sorted(hostile.findings) == ["behind", "untrusted_config"]  # the user's helper ran
    assert payloads.fired() == ["user-credential"]  # and the repo's never did


def test_a_global_ssh_command_is_used_and_beats_the_repos(
    fleet_builder: FleetBuilder,
    store: Store,
    sweeper: Sweeper,
    payloads: Payloads,
    user_config: Path,
) -> None:
    # The user's ssh: it records its arguments, then runs the remote command here.
    ssh = payloads.script("user-ssh", 'for last; do :; done\nexec sh -c "$last"')
    with user_config.open("a") as file:
        file.write(f"[core]\n\tsshCommand = {shlex.quote(str(ssh))}\n[ssh]\n\tvariant = simple\n")
    for name in ("over-ssh", "own-ssh"):
        repo = fleet_builder.behind(name)
        git(
            repo,
            "remote",
            "set-url",
            "origin",
            f"ssh://git.invalid{fleet_builder.remotes}/{name}.git",
        )
        register(store, name, repo)
    set_config(fleet_builder.repos / "own-ssh", "core.sshCommand", str(payloads.script("evil")))

    result = sweep(sweeper, Mode.FIX)

    assert report(result, "over-ssh").actions == ["fast-forwarded main"]
    assert report(result, "own-ssh").actions == ["fast-forwarded main"]
    assert payloads.fired() == ["user-ssh"]
    calls = (payloads.markers / "user-ssh").read_text().splitlines()
    assert len(calls) == 2 and all("BatchMode=yes" in call for call in calls)


def test_a_global_url_instead_of_rewrites_a_remote(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, user_config: Path
) -> None:
    repo = fleet_builder.behind("mirrored")
    git(repo, "remote", "set-url", "origin", "https://mirror.invalid/mirrored.git")
    register(store, "mirrored", repo)
    assert "fetch_failed" in report(sweep(sweeper), "mirrored").findings

    with user_config.open("a") as file:
        file.write(f'[url "{fleet_builder.remotes}/"]\n\tinsteadOf = https://mirror.invalid/\n')

    assert report(sweep(sweeper), "mirrored").findings == ["behind"]
