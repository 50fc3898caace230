"""The pure half of the trust boundary: what is reported, and what is set in its place."""

from __future__ import annotations

from pathlib import Path

from statehub.git.repoconfig import ConfigEntry, RepoConfig
from statehub.git.trust import (
    SweepTrust,
    UserConfig,
    describe,
    neutralising_config,
    parse_scoped_list,
    transport_programs,
    untrusted_entries,
    with_command_config,
)

GIT_DIR = Path("/src/app/.git")


def _repo(*entries: tuple[str, str | None]) -> RepoConfig:
    return RepoConfig(
        git_dir=GIT_DIR,
        common_dir=GIT_DIR,
        entries=tuple(ConfigEntry.of(k, v, GIT_DIR / "config", "repo") for k, v in entries),
    )


def test_the_users_scopes_only_are_read_from_git_config_list() -> None:
    raw = (
        b"system\0core.pager\nless\0global\0Credential.Helper\nstore\0"
        b"local\0core.pager\nevil\0command\0core.bare\0"
    )
    assert parse_scoped_list(raw) == [
        ("core.pager", "less"),
        ("credential.helper", "store"),
        ("core.bare", None),
    ]


def test_only_values_that_name_programs_are_untrusted() -> None:
    config = _repo(
        ("core.fsmonitor", "true"),  # git's own daemon
        ("core.fsmonitor", "/x/hook"),
        ("filter.lfs.required", "true"),
        ("filter.lfs.clean", "evil %f"),
        ("remote.origin.url", "https://example.com/r.git"),
        ("remote.m.url", "ext::sh -c evil"),
        ("url.ext::sh -c evil #.insteadof", "https://example.com/"),
        ("credential.https://example.com.helper", "!evil"),
        ("credential.helper", ""),  # a reset names nothing
        ("pager.log", "false"),
        ("pager.diff", "evil"),
        ("protocol.ext.allow", "never"),
        ("protocol.allow", "always"),
    )
    keys = [e.key for e in untrusted_entries(config)]
    assert keys == [
        "core.fsmonitor",
        "filter.lfs.clean",
        "remote.m.url",
        "url.ext::sh -c evil #.insteadof",
        "credential.https://example.com.helper",
        "pager.diff",
        "protocol.allow",
    ]


def test_what_is_shown_is_escaped_shortened_and_says_where() -> None:
    config = _repo(("core.fsmonitor", "/x/\x1b[31mred\nü" + "y" * 200))
    [line] = describe(untrusted_entries(config), ["hooks/pre-push"], Path("/src/app"))[:1]
    assert line.startswith("core.fsmonitor=/x/\\x1b[31mred\\n\\xfc")
    assert line.endswith("… (.git/config)") and "\n" not in line and len(line) < 120
    assert describe([], ["hooks/pre-push"], Path("/src/app")) == ["hook hooks/pre-push"]


def test_the_users_own_values_replace_the_repos() -> None:
    user = UserConfig(
        (
            ("filter.lfs.clean", "git-lfs clean -- %f"),
            ("filter.lfs.required", "true"),
            ("credential.helper", "store"),
            ("credential.https://github.com.helper", "!gh auth git-credential"),
            ("core.hookspath", "~/.githooks"),
        )
    )
    config = _repo(
        ("filter.lfs.clean", "evil"),
        ("filter.x.smudge", "evil"),
        ("credential.helper", "!evil"),
        ("core.fsmonitor", "false"),
        ("remote.origin.uploadpack", "evil"),
    )
    pairs = neutralising_config(config, user)
    assert pairs[:3] == [
        ("protocol.ext.allow", "never"),
        ("core.hooksPath", "~/.githooks"),
        ("core.fsmonitor", "false"),
    ]
    assert ("filter.lfs.clean", "git-lfs clean -- %f") in pairs
    assert ("filter.lfs.required", "true") in pairs
    assert [p for p in pairs if p[0].startswith("filter.x.")] == [
        ("filter.x.clean", ""),
        ("filter.x.smudge", ""),
        ("filter.x.process", ""),
        ("filter.x.required", "false"),
    ]
    helpers = [p for p in pairs if p[0].startswith("credential.")]
    assert helpers == [
        ("credential.helper", ""),
        ("credential.helper", "store"),
        ("credential.https://github.com.helper", "!gh auth git-credential"),
    ]
    assert transport_programs(config, user) == ({"origin": "git-upload-pack"}, {})


def test_a_relative_user_hooks_path_is_the_repos_and_is_not_used() -> None:
    pairs = neutralising_config(_repo(), UserConfig((("core.hookspath", ".githooks"),)))
    assert ("core.hooksPath", "/dev/null") in pairs


def test_command_scope_config_goes_after_the_users_own() -> None:
    env = with_command_config(
        {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "a.b", "GIT_CONFIG_VALUE_0": "c"},
        [("core.fsmonitor", "false")],
    )
    assert env["GIT_CONFIG_COUNT"] == "2"
    assert (env["GIT_CONFIG_KEY_0"], env["GIT_CONFIG_KEY_1"]) == ("a.b", "core.fsmonitor")


def test_the_ssh_command_is_the_users_with_batch_mode() -> None:
    def ssh(own: dict[str, str], configured: str | None = None) -> str:
        user = UserConfig((("core.sshcommand", configured),) if configured else ())
        return SweepTrust.build({}, user, own).env["GIT_SSH_COMMAND"]

    assert ssh({}) == "ssh -o BatchMode=yes -o ConnectTimeout=10"
    assert ssh({}, "ssh -i ~/.ssh/work") == "ssh -i ~/.ssh/work -o BatchMode=yes"
    assert ssh({"GIT_SSH_COMMAND": "ssh -v"}, "ssh -i k") == "ssh -v -o BatchMode=yes"
    assert ssh({"GIT_SSH": "/opt/my ssh"}) == "'/opt/my ssh' -o BatchMode=yes"
    assert SweepTrust.build({}, UserConfig(), {}).env["GIT_PAGER"] == "cat"
