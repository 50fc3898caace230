"""The trust boundary: no program a repository names runs in a sweep (design.md).

git reads configuration from the system, the user (global) and the repo, then the command
scope (``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``), last value winning.
The command scope is ours and git passes it on to the git it starts in submodules
(``prepare_other_repo_env`` keeps ``GIT_CONFIG_COUNT``), so for every key that names a program
and that the repo's own files set, we set it again there: to what the *user* configured
(system and global config, read once per sweep) or to a value that runs nothing. A few keys
are set for every repo, because the repo needs no config to use them: ``core.hooksPath``
(``.git/hooks`` itself is the repo's), ``protocol.ext.allow`` (an ``ext::`` URL may come
from ``.gitmodules``), and ``core.fsmonitor``. Where git lets an environment variable beat
config (``GIT_SSH_COMMAND``, ``GIT_PAGER``, ``GIT_ASKPASS``, ``GIT_PROXY_COMMAND``), the
variable is used. git status recurses into submodules, where their own config names their
filters: it is let recurse only into those whose config was read (``submodules.py``), and
their filters are neutralised with the repo's. Detection and neutralisation are pure;
reading the user's config is one ``git config`` per sweep.
"""

from __future__ import annotations

import functools
import os
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from statehub.fleet.porcelain import STATUS_ARGS
from statehub.git.configsyntax import split_key
from statehub.git.repoconfig import ConfigEntry, RepoConfig, parse_bool
from statehub.git.runner import run_git
from statehub.git.submodules import (
    NO_SUBMODULES,
    STATUS_ARGS_NO_RECURSION,
    Submodules,
    find_submodules,
    recursion_config,
    status_args,
)

# Hooks that git runs during what a sweep does (fetch, status, merge --ff-only, push).
SWEEP_HOOKS = frozenset(
    {
        "reference-transaction",
        "post-merge",
        "post-index-change",
        "pre-auto-gc",
        "pre-push",
        "post-checkout",
        "post-rewrite",
    }
)
_PROGRAM_KEYS = frozenset(
    {
        "core.hookspath",
        "core.gitproxy",
        "core.alternaterefscommand",
        "core.sshcommand",
        "core.pager",
        "core.askpass",
        "diff.external",
        "gpg.program",
    }
)
_GPG_DEFAULTS = {"openpgp": "gpg", "x509": "gpgsm", "ssh": "ssh-keygen"}
_SHOWN_VALUE = 80


@dataclass(frozen=True)
class UserConfig:
    """The user's own git configuration (system, global, command scope), in git's order."""

    entries: tuple[tuple[str, str | None], ...] = ()

    @functools.cached_property
    def _by_key(self) -> dict[str, list[str | None]]:
        # Looked up several times for every repo of a sweep: index it once.
        found: dict[str, list[str | None]] = {}
        for key, value in self.entries:
            found.setdefault(key, []).append(value)
        return found

    def values(self, key: str) -> list[str | None]:
        return self._by_key.get(key, [])

    def last(self, key: str) -> str | None:
        values = self.values(key)
        return None if not values else ("true" if values[-1] is None else values[-1])

    @classmethod
    def read(cls, env: dict[str, str], timeout: float = 10.0) -> UserConfig:
        """One ``git config --list`` outside any repo; empty when git cannot say."""
        result = run_git(
            ("config", "--list", "-z", "--show-scope"), cwd="/", timeout=timeout, env=env
        )
        return cls(tuple(parse_scoped_list(result.stdout))) if result.ok else cls()


def parse_scoped_list(raw: bytes) -> list[tuple[str, str | None]]:
    """``git config --list -z --show-scope`` → (key, value) of the user's scopes only."""
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    out: list[tuple[str, str | None]] = []
    for scope, item in zip(fields[0::2], fields[1::2], strict=False):
        if scope not in ("system", "global", "command"):
            continue  # the repo "/" could be: never the user's
        key, newline, value = item.partition("\n")
        out.append((_lower_key(key), value if newline else None))
    return out


def _lower_key(key: str) -> str:
    section, sub, name = split_key(key)
    return f"{section.lower()}.{sub}.{name.lower()}" if sub is not None else key.lower()


# Sections that can hold a key naming a program, and the names such a key can have there;
# in ``url.<base>.*`` and ``pager.<command>`` any name may. Everything else (nearly every
# entry of a plain clone: core.bare, remote.*.fetch, branch.*.merge…) is rejected on one look.
_PROGRAM_SECTIONS = frozenset(
    {"core", "diff", "gpg", "filter", "remote", "url", "branch", "credential", "protocol", "pager"}
)
_ANY_NAME = frozenset({"url", "pager"})
_PROGRAM_NAMES = frozenset(
    {split_key(key)[2] for key in _PROGRAM_KEYS}
    | {"fsmonitor", "clean", "smudge", "process", "url", "pushurl", "uploadpack", "receivepack"}
    | {"remote", "pushremote", "helper", "allow", "program"}
)


def _names_program(entry: ConfigEntry) -> bool:
    section, sub, name = entry.parts
    if name not in _PROGRAM_NAMES and section not in _ANY_NAME:
        return False
    if section not in _PROGRAM_SECTIONS:
        return False
    value = entry.value
    if entry.key in _PROGRAM_KEYS:
        return bool(value) or entry.key == "core.hookspath"
    if entry.key == "core.fsmonitor":
        return value is not None and parse_bool(value) is None
    if section == "filter" and sub is not None:
        return name in ("clean", "smudge", "process") and bool(value)
    if section == "remote" and sub is not None:
        if sub.startswith("-") and name == "url":
            return True  # a name git may read as an option, e.g. --upload-pack=<cmd>
        if name in ("uploadpack", "receivepack"):
            return bool(value)
        return name in ("url", "pushurl") and (value or "").startswith("ext::")
    if section == "url" and sub is not None:
        return sub.startswith("ext::")
    if section == "branch" and name in ("remote", "pushremote"):
        return (value or "").startswith("-")
    if section == "credential" and name == "helper":
        return bool(value)
    if section == "protocol" and name == "allow":
        return sub in (None, "ext") and (value or "") != "never"
    if section == "gpg" and sub is not None:
        return name == "program" and bool(value)
    if section == "pager" and sub is None:
        return value is not None and parse_bool(value) is None
    return False


def _shown(value: str) -> str:
    escaped = value.encode("unicode_escape").decode("ascii")
    return escaped if len(escaped) <= _SHOWN_VALUE else escaped[: _SHOWN_VALUE - 1] + "…"


def _where(origin: Path, repo: Path) -> str:
    try:
        return str(origin.relative_to(repo))
    except ValueError:
        return str(origin)


def untrusted_entries(config: RepoConfig) -> list[ConfigEntry]:
    return _scan(config)[0]


def _scan(
    config: RepoConfig, submodules: Submodules = NO_SUBMODULES
) -> tuple[list[ConfigEntry], bool]:
    """The entries that name a program, and whether ``config`` sets nothing else that
    ``neutralising_config`` reads: no key of a filter driver (even an empty one, which names
    no program but is still set again) and no ``core.fsmonitor`` (even a boolean one)."""
    found: list[ConfigEntry] = []
    plain = True
    for entry in config.all_entries() + submodules.entries:
        section, _, name = entry.parts
        if name not in _PROGRAM_NAMES and section not in _ANY_NAME:
            continue
        if section == "filter" or name == "fsmonitor":
            plain = False  # wider than neutralising_config's test: only ever the full path
        if _names_program(entry):
            found.append(entry)
    return found, plain


def describe(entries: Iterable[ConfigEntry], hooks: Iterable[str], repo: Path) -> list[str]:
    """One escaped, shortened line per key or hook, for the observed state."""
    lines = [f"{e.key}={_shown(e.value or '')} ({_where(e.origin, repo)})" for e in entries]
    lines.extend(f"hook {hook}" for hook in hooks)
    return list(dict.fromkeys(lines))


def sweep_hooks(config: RepoConfig, work_tree: Path) -> list[str]:
    """Executable hooks a sweep could set off, in ``hooks/`` and a repo-local hooksPath."""
    folders = [f"{config.common_dir}/hooks"]
    local = config.get("core.hookspath")
    if local:
        folders.append(os.path.join(work_tree, os.path.expanduser(local)))
    found: list[str] = []
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in sorted(SWEEP_HOOKS.intersection(names)):
            hook = Path(folder, name)
            if os.access(hook, os.X_OK):
                found.append(_where(hook, work_tree))
    return found


def _user_or(user: UserConfig, key: str, neutral: str) -> str:
    value = user.last(key)
    return neutral if value is None else value


def _hooks_path(user: UserConfig) -> str:
    # A relative hooksPath is relative to each repo's work tree: the repo's files, not the user's.
    value = user.last("core.hookspath")
    if value and (value.startswith("/") or value.startswith("~")):
        return value
    return os.devnull


def _fsmonitor(values: list[str | None], user: UserConfig) -> str:
    """``values``: the repo's own ``core.fsmonitor``, in git's order."""
    if user.last("core.fsmonitor") is not None:
        return _user_or(user, "core.fsmonitor", "false")
    if values and parse_bool(values[-1]) is not None:
        return "true" if parse_bool(values[-1]) else "false"  # git's own daemon: no program
    return "false"


def _subsections(entries: Iterable[ConfigEntry], section: str, names: set[str]) -> list[str]:
    found: dict[str, None] = {}
    for entry in entries:
        sec, sub, name = entry.parts
        # A NUL cannot travel in the environment (and git could not have read it).
        if sec == section and sub is not None and name in names and "\0" not in sub:
            found[sub] = None
    return list(found)


def _always_set(user: UserConfig, fsmonitor: str) -> list[tuple[str, str]]:
    """What every untrusted repo gets, whatever the reader found (docs/security.md says why
    each stays): git finds hooks by name in ``hooks/`` at run time, not only those
    ``sweep_hooks`` knows; an ``ext::`` URL needs no config entry (a ``.git/remotes`` file),
    and git's default refusal of it yields to a user's ``protocol.allow=always``; git may
    read an fsmonitor from a git dir the reader does not see (a submodule's ``.git`` file
    pointing outside ``.git/modules``)."""
    return [
        ("protocol.ext.allow", "never"),
        ("core.hooksPath", _hooks_path(user)),
        ("core.fsmonitor", fsmonitor),
    ]


def neutralising_config(
    config: RepoConfig,
    user: UserConfig,
    entries: list[ConfigEntry] | None = None,
    submodules: Submodules = NO_SUBMODULES,
) -> list[tuple[str, str]]:
    """Command-scope (key, value) pairs that undo every program ``config`` and the
    ``submodules`` status may recurse into name (``entries``: their ``untrusted_entries``,
    when the caller has them already)."""
    entries = _scan(config, submodules)[0] if entries is None else entries
    pairs = _always_set(user, _fsmonitor(config.get_all("core.fsmonitor"), user))
    pairs.extend(recursion_config(submodules))
    every = config.all_entries() + submodules.entries
    for driver in _subsections(every, "filter", {"clean", "smudge", "process"}):
        for name in ("clean", "smudge", "process"):
            pairs.append((f"filter.{driver}.{name}", _user_or(user, f"filter.{driver}.{name}", "")))
        pairs.append(
            (f"filter.{driver}.required", _user_or(user, f"filter.{driver}.required", "false"))
        )
    keys = {e.key for e in entries}
    if any(e.parts[0] == "credential" for e in entries):
        pairs.append(("credential.helper", ""))  # an empty helper resets git's list
        pairs.extend(
            (k, v or "")
            for k, v in user.entries
            if k.startswith("credential.") and k.endswith(".helper")
        )
    if "core.alternaterefscommand" in keys:
        pairs.append(
            ("core.alternateRefsCommand", _user_or(user, "core.alternaterefscommand", "true"))
        )
    if "diff.external" in keys:
        pairs.append(("diff.external", _user_or(user, "diff.external", "")))
    for key in sorted(k for k in keys if k.startswith("gpg.")):
        sub = split_key(key)[1]
        pairs.append((key, _user_or(user, key, _GPG_DEFAULTS.get(sub or "", "gpg"))))
    return pairs


def transport_programs(
    config: RepoConfig, user: UserConfig, entries: list[ConfigEntry] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """``--upload-pack``/``--receive-pack`` per remote whose own config names one.

    git keeps the *first* ``remote.<name>.uploadpack``/``receivepack`` it reads (and says
    "more than one … given, using the first"), so command-scope config cannot undo a
    repo's; the command-line option can.
    """
    programs: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for entry in untrusted_entries(config) if entries is None else entries:
        section, remote, name = entry.parts
        if section != "remote" or remote is None or name not in ("uploadpack", "receivepack"):
            continue
        default = "git-upload-pack" if name == "uploadpack" else "git-receive-pack"
        chosen = programs[0] if name == "uploadpack" else programs[1]
        chosen[remote] = _user_or(user, f"remote.{remote}.{name}", default)
    return programs


def _ssh_command(env: Mapping[str, str], configured: str | None) -> str:
    """``GIT_SSH_COMMAND`` beats every ``core.sshCommand``: built from what the user chose."""
    command = env.get("GIT_SSH_COMMAND") or configured
    if not command and env.get("GIT_SSH"):
        command = shlex.quote(env["GIT_SSH"])
    if not command:
        # BatchMode never asks for a password or a host key; ConnectTimeout keeps an
        # unroutable host from eating the whole budget.
        return "ssh -o BatchMode=yes -o ConnectTimeout=10"
    return command if "BatchMode" in command else f"{command} -o BatchMode=yes"


@dataclass(frozen=True)
class SweepTrust:
    """What every repo of one sweep shares: the user's config and git's base environment."""

    user: UserConfig
    env: dict[str, str]
    ssh_from_env: bool  # the user's own GIT_SSH_COMMAND, which beats even a trusted repo's
    # ``env`` with the keys every untrusted repo gets: the whole environment of one whose
    # config and hooks name nothing else to neutralise (nearly every repo), built once.
    plain_env: dict[str, str]

    @classmethod
    def build(
        cls, base: dict[str, str], user: UserConfig, own: Mapping[str, str] | None = None
    ) -> SweepTrust:
        """``base`` is git's environment; ``own`` the user's (os.environ), before any
        default of ours, to tell their GIT_SSH_COMMAND from the runner's."""
        own = os.environ if own is None else own
        env = dict(base)
        env["GIT_SSH_COMMAND"] = _ssh_command(own, user.last("core.sshcommand"))
        env["GIT_PAGER"] = "cat"  # core.pager and pager.<cmd> are the repo's; GIT_PAGER wins
        plain = with_command_config(env, _always_set(user, _fsmonitor([], user)))
        return cls(
            user=user, env=env, ssh_from_env=bool(own.get("GIT_SSH_COMMAND")), plain_env=plain
        )


_NO_PROGRAMS: Mapping[str, str] = MappingProxyType({})


class RepoGuard(NamedTuple):
    """What one repo's git calls run with, and what the operator is told (a tuple: one
    per repo and sweep, made in a quarter of a frozen dataclass's time)."""

    env: dict[str, str]  # shared by many repos: never changed in place
    git_dir: Path | None = None
    # Untrusted, status recurses only into submodules whose config was read (submodules.py).
    status_args: tuple[str, ...] = STATUS_ARGS
    untrusted: tuple[str, ...] = ()
    hooks: tuple[str, ...] = ()
    upload_packs: Mapping[str, str] = _NO_PROGRAMS  # remote → --upload-pack
    receive_packs: Mapping[str, str] = _NO_PROGRAMS  # remote → --receive-pack


def with_command_config(env: dict[str, str], pairs: list[tuple[str, str]]) -> dict[str, str]:
    """``env`` plus ``pairs`` as command-scope config, after any the user already set."""
    out = dict(env)
    try:
        start = int(env.get("GIT_CONFIG_COUNT", "0") or "0")
    except ValueError:
        start = 0  # git would refuse it; ours still count from zero
    for offset, (key, value) in enumerate(pairs):
        out[f"GIT_CONFIG_KEY_{start + offset}"] = key
        out[f"GIT_CONFIG_VALUE_{start + offset}"] = value
    out["GIT_CONFIG_COUNT"] = str(start + len(pairs))
    return out


def guard_repo(
    config: RepoConfig, work_tree: Path, *, trust: SweepTrust, trusted: bool
) -> RepoGuard:
    """The environment for one repo: neutralised unless the user trusts the repo's config."""
    if trusted:
        env = trust.env
        own_ssh = config.get("core.sshCommand")
        if own_ssh and not trust.ssh_from_env:
            env = {**env, "GIT_SSH_COMMAND": _ssh_command({}, own_ssh)}
        return RepoGuard(env=env, git_dir=config.git_dir)
    hooks = tuple(sweep_hooks(config, work_tree))
    submodules = find_submodules(work_tree)
    entries, plain = _scan(config, submodules)
    if plain and not entries and not hooks and not submodules.allowed:
        # What neutralising_config would give it: the keys every repo gets, and no more.
        return RepoGuard(
            env=trust.plain_env, git_dir=config.git_dir, status_args=STATUS_ARGS_NO_RECURSION
        )
    shown = tuple(describe(entries, hooks, work_tree))
    pairs = neutralising_config(config, trust.user, entries, submodules)
    env = with_command_config(trust.env, pairs)
    if "GIT_PROXY_COMMAND" not in trust.env and any(
        e.key == "core.gitproxy" and e.scope != "submodule" for e in entries
    ):
        # git takes the *first* matching core.gitProxy, so neither a later value of the
        # repo's (an empty one included) nor ours can win; an empty GIT_PROXY_COMMAND makes
        # git skip the config and connect directly.
        env["GIT_PROXY_COMMAND"] = ""
    upload, receive = transport_programs(config, trust.user, entries)
    return RepoGuard(
        env=env,
        git_dir=config.git_dir,
        status_args=status_args(submodules),
        untrusted=shown,
        hooks=hooks,
        upload_packs=upload,
        receive_packs=receive,
    )
