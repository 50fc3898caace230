"""A benchmark fleet: N real repos with local bare remotes, in a realistic mix of states.

Building 10,000 repos one ``git clone`` and recipe at a time would take most of an hour, so
each state is built once, as a *template*, with ``testing.fleet.FleetBuilder``'s own
recipes (the templates are shared by every fleet), and every repo is a copy of its state's
template:

* object stores are hard-linked — git never rewrites an object file in place, and nothing a
  sweep or a fetch does writes to one;
* everything else (work tree, index, refs, reflogs, config) is copied, because git appends to
  reflogs in place and an index describes its work tree's inodes;
* the clone's ``origin`` is pointed at its own copy of the template's remote;
* its index is refreshed once. A copy has new inodes and ctimes, so without the refresh every
  ``git status`` would re-hash the whole work tree — which no settled, real repo makes it do.

Repo ``i`` has the same name and state in every fleet, so the first 1,000 repos of the
10,000-repo fleet *are* the 1,000-repo fleet; the fleet grows in place and is cached under the
bench work dir (``fleet.json`` says how far it is built).

The mix, per 100 repos: 70 clean; 6 dirty, 4 untracked, 4 ahead, 4 behind (behind once
fetched), 2 staged, 2 diverged, 2 without upstream, 2 with a stash; 1 each detached, upstream
gone, ahead on another branch, merge in progress. Every 200th repo is registered but missing.
Repo 0 is one large repo of about 20,000 files. With ``latency_ms``, every clone's
``remote.origin.uploadpack`` is a wrapper that sleeps that long before ``git-upload-pack``: a
local stand-in for a remote across a network.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import random
import shlex
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from statehub.errors import FleetBuildError
from testing.fleet import FleetBuilder, slow_upload_pack

FORMAT_VERSION = 2
LARGE = "large"
MISSING = "missing"
MISSING_EVERY = 200
MIX: tuple[tuple[str, int], ...] = (
    ("clean", 70),
    ("dirty", 6),
    ("untracked", 4),
    ("ahead", 4),
    ("behind", 4),
    ("staged", 2),
    ("diverged", 2),
    ("no_upstream", 2),
    ("stash", 2),
    ("detached", 1),
    ("upstream_gone", 1),
    ("ahead_on_other_branch", 1),
    ("merge_in_progress", 1),
)
# A fixed shuffle, so any prefix of 100·k repos has exactly the mix above.
_PATTERN: list[str] = [state for state, count in MIX for _ in range(count)]
random.Random(20_000).shuffle(_PATTERN)

_SEED_FILES = {f"src/module_{i:02d}.py": f"VALUE = {i}\n" for i in range(24)} | {
    f"docs/page_{i}.md": f"# Page {i}\n" for i in range(6)
}


@dataclass(frozen=True)
class FleetSpec:
    """What a fleet is made of; a cached fleet is reused only when this matches."""

    large_files: int = 20_000  # 0: no large repo
    latency_ms: int = 0  # 0: remotes answer at once


@dataclass(frozen=True)
class FleetRepo:
    index: int
    name: str
    path: Path
    state: str


class _TemplateBuilder(FleetBuilder):
    """FleetBuilder with a seed that looks like a small project, and no hook samples."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        empty = root / ".git-template"
        empty.mkdir(parents=True, exist_ok=True)
        self._env["GIT_TEMPLATE_DIR"] = str(empty)  # 13 hook samples x 10,000 copies
        # A detached auto-gc would repack a template while it is being copied.
        self._env.update(
            GIT_CONFIG_COUNT="2",
            GIT_CONFIG_KEY_0="gc.auto",
            GIT_CONFIG_VALUE_0="0",
            GIT_CONFIG_KEY_1="maintenance.auto",
            GIT_CONFIG_VALUE_1="false",
        )

    def _seed_remote(self) -> Path:
        if self._seed is None:
            seed = super()._seed_remote()
            work = self.root / ".seed-grow"
            self.git(self.root, "clone", "--quiet", str(seed), str(work))
            for relative, content in _SEED_FILES.items():
                (work / relative).parent.mkdir(parents=True, exist_ok=True)
                (work / relative).write_text(content)
            self.git(work, "add", "--all")
            self.git(work, "commit", "--quiet", "-m", "Add the project's files")
            self._commit(work, "# demo repo\nNow with a little history.\n", "Expand the README")
            self.git(work, "push", "--quiet", "origin", "main")
            shutil.rmtree(work)
            # One pack instead of dozens of loose objects: fewer files for every copy to link.
            self.git(seed, "gc", "--quiet", "--prune=now")
        return self._seed

    def large(self, name: str, files: int) -> Path:
        """A clean clone of a remote holding about ``files`` files."""
        repo = self._new(name)
        per_dir = 100
        for i in range(max(0, files - len(_SEED_FILES) - 1)):
            path = repo / "pkg" / f"d{i // per_dir // 10:03d}" / f"m{i // per_dir % 10}"
            if i % per_dir == 0:
                path.mkdir(parents=True, exist_ok=True)
            (path / f"f{i % per_dir:02d}.txt").write_text(f"line {i}\n")
        self.git(repo, "add", "--all")
        self.git(repo, "commit", "--quiet", "-m", "A large tree")
        self.git(repo, "push", "--quiet")
        for packed in (repo, self.remotes / f"{name}.git"):
            self.git(packed, "gc", "--quiet", "--prune=now")
        return repo


class Templates:
    """One repo of each state (and the large one), built once and shared by every fleet."""

    def __init__(self, root: Path, large_files: int) -> None:
        self.root = root
        self.large_files = large_files
        self._done = root / "built.json"

    def ensure(self) -> None:
        wanted = {"version": FORMAT_VERSION, "large_files": self.large_files}
        try:
            if json.loads(self._done.read_text()) == wanted:
                return
        except (OSError, ValueError):
            pass
        shutil.rmtree(self.root, ignore_errors=True)
        builder = _TemplateBuilder(self.root)
        for state, _ in MIX:
            getattr(builder, state)(state)
        if self.large_files:
            builder.large(LARGE, self.large_files)
        self._done.write_text(json.dumps(wanted) + "\n")

    def clone(self, state: str) -> Path:
        return self.root / "repos" / state

    def remote(self, state: str) -> Path:
        return self.root / "remotes" / f"{state}.git"


class BenchFleet:
    """The fleet under ``root``: ``repos/<name>`` and ``remotes/<name>.git``."""

    def __init__(self, root: Path, spec: FleetSpec, templates: Templates) -> None:
        if spec.large_files and spec.large_files != templates.large_files:
            raise ValueError("the fleet's large repo must come from templates of its size")
        self.root = root
        self.spec = spec
        self.templates = templates
        self._manifest = root / "fleet.json"
        self._latency_script = root / "uploadpack-latency.sh"
        self._git = FleetBuilder(root)  # its isolated git; builds nothing by itself

    def entries(self, count: int) -> list[FleetRepo]:
        """Repos 0 … count-1: names, paths and states, without touching the disk."""
        return [self._entry(i) for i in range(count)]

    def _entry(self, index: int) -> FleetRepo:
        if index == 0 and self.spec.large_files:
            state = LARGE
        elif index % MISSING_EVERY == MISSING_EVERY - 1:
            state = MISSING
        else:
            state = _PATTERN[index % len(_PATTERN)]
        name = f"r{index:05d}-{state.replace('_', '-')}"
        return FleetRepo(index, name, self.root / "repos" / name, state)

    def ensure(self, count: int, *, workers: int | None = None) -> list[FleetRepo]:
        """Build repos up to ``count`` (reusing what is already built) and return them."""
        built = self._built()
        if built is None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root.mkdir(parents=True)
            if self.spec.latency_ms:
                slow_upload_pack(self._latency_script, self.spec.latency_ms / 1000)
            built = 0
        self.templates.ensure()
        wanted = self.entries(count)
        if count > built:
            todo = [e.path for e in wanted[built:] if e.state != MISSING]
            # Copies run one at a time: parallel copies into one directory only contend
            # for its lock (measured: 5x slower with 4 threads on 2 cores).
            for entry in wanted[built:]:
                self._materialise(entry)
            # A file modified in the same second as the index is "racily clean" and
            # re-hashed by every status; a second later, the refresh settles them all.
            time.sleep(1.1)
            with cf.ThreadPoolExecutor(workers or 2 * (os.cpu_count() or 2)) as pool:
                list(pool.map(self._refresh, todo))
            self._write_manifest(count)
        return wanted

    def _built(self) -> int | None:
        try:
            manifest = json.loads(self._manifest.read_text())
        except (OSError, ValueError):
            return None
        if manifest.get("version") != FORMAT_VERSION or manifest.get("spec") != asdict(self.spec):
            return None
        return int(manifest["built"])

    def _write_manifest(self, built: int) -> None:
        document = {"version": FORMAT_VERSION, "spec": asdict(self.spec), "built": built}
        self._manifest.write_text(json.dumps(document, indent=2) + "\n")

    def _materialise(self, entry: FleetRepo) -> None:
        if entry.state == MISSING:
            return
        template_remote = self.templates.remote(entry.state)
        remote = self.root / "remotes" / f"{entry.name}.git"
        for leftover in (entry.path, remote):  # a build that was interrupted half-way
            shutil.rmtree(leftover, ignore_errors=True)
        _copy_tree(template_remote, remote, linked="objects")
        _copy_tree(
            self.templates.clone(entry.state), entry.path, linked=os.path.join(".git", "objects")
        )
        config = entry.path / ".git" / "config"
        text = config.read_text().replace(str(template_remote), str(remote))
        if self.spec.latency_ms:
            # git runs it through the shell with the repo's path appended: quote for the
            # shell, then for the config file.
            command = _config_quote(shlex.quote(str(self._latency_script)))
            section = '[remote "origin"]\n'
            text = text.replace(section, f"{section}\tuploadpack = {command}\n", 1)
        config.write_text(text)

    def _refresh(self, clone: Path) -> None:
        # Exit status 1 ("needs merge", "needs update") is the state we built, not a failure.
        self._git.git(clone, "update-index", "-q", "--refresh", check=False)


def _config_quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _copy_tree(source: Path, target: Path, *, linked: str) -> None:
    """Copy ``source`` to ``target``, hard-linking the files under ``source/linked``."""
    for directory, _dirs, files in os.walk(source):
        relative = os.path.relpath(directory, source)
        destination = target / relative
        destination.mkdir(parents=True, exist_ok=True)
        link = relative == linked or relative.startswith(linked + os.sep)
        for name in files:
            if link:
                os.link(os.path.join(directory, name), destination / name)
            else:  # mode and times need not survive: the index is refreshed afterwards
                shutil.copyfile(os.path.join(directory, name), destination / name)


def existing(entries: list[FleetRepo]) -> Iterator[FleetRepo]:
    """The repos that are on disk (every state but ``missing``)."""
    return (e for e in entries if e.state != MISSING)


def check_fleet(entries: list[FleetRepo]) -> None:
    """Raise FleetBuildError unless every non-missing repo exists and every missing one doesn't."""
    for entry in entries:
        if (entry.state == MISSING) == entry.path.exists():
            raise FleetBuildError(f"{entry.name}: expected {entry.state}, found otherwise")
