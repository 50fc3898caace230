"""Real repos in the states issue 11 found on workstations, built on top of FleetBuilder.

Each helper returns the clone's path; ``teammate`` gives a second clone of the same
remote, through which "someone else" pushes what the clone has not fetched yet.
"""

from __future__ import annotations

from pathlib import Path

from testing.fleet import FleetBuilder

# git >= 2.38.1 refuses file:// and local-path submodules unless told otherwise.
FILE_PROTOCOL = ("-c", "protocol.file.allow=always")


def remote_of(builder: FleetBuilder, name: str) -> Path:
    return builder.remotes / f"{name}.git"


def rev(builder: FleetBuilder, repo: Path, ref: str = "HEAD") -> str:
    return builder.git(repo, "rev-parse", ref).stdout.decode().strip()


def teammate(builder: FleetBuilder, name: str) -> Path:
    """A second clone of ``name``'s remote (made once), to push changes from."""
    other = builder.root / "teammates" / name
    if not other.exists():
        other.parent.mkdir(parents=True, exist_ok=True)
        builder.git(
            other.parent,
            *FILE_PROTOCOL,
            "clone",
            "--quiet",
            str(remote_of(builder, name)),
            str(other),
        )
    else:
        builder.git(other, "pull", "--quiet", "--ff-only")
    return other


def commit_all(builder: FleetBuilder, repo: Path, message: str) -> None:
    builder.git(repo, "add", "--all", "--force", ".")
    builder.git(repo, "commit", "--quiet", "-m", message)


def push_from_teammate(builder: FleetBuilder, name: str, files: dict[str, str | None]) -> None:
    """The teammate writes (or, for None, deletes) ``files`` and pushes one commit."""
    other = teammate(builder, name)
    for relative, content in files.items():
        target = other / relative
        if content is None:
            builder.git(other, "rm", "--quiet", "-r", "--", relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    commit_all(builder, other, "A teammate's commit")
    builder.git(other, "push", "--quiet", "origin", "HEAD")


def with_submodule(builder: FleetBuilder, name: str) -> Path:
    """A clone whose repo has a submodule ``sub`` (checked out), in sync with its remote."""
    builder.clean(f"{name}-lib")  # only its remote is used: the submodule's origin
    repo = builder.clean(name)
    builder.git(
        repo,
        *FILE_PROTOCOL,
        "submodule",
        "add",
        "--quiet",
        str(remote_of(builder, f"{name}-lib")),
        "sub",
    )
    builder.git(repo, "commit", "--quiet", "-m", "Add a submodule")
    builder.git(repo, "push", "--quiet", "origin", "main")
    return repo


def with_worktrees(builder: FleetBuilder, name: str, count: int) -> list[Path]:
    """``count`` linked worktrees of one clone, each on its own branch tracking the remote's
    branch of the same name; the teammate then pushes a commit to every one of them."""
    repo = builder.clean(name)
    worktrees = []
    for n in range(1, count + 1):
        branch = f"b{n}"
        builder.git(repo, "branch", "--quiet", branch)
        builder.git(repo, "push", "--quiet", "--set-upstream", "origin", branch)
        tree = builder.repos / f"{name}-wt{n}"
        builder.git(repo, "worktree", "add", "--quiet", str(tree), branch)
        worktrees.append(tree)
    other = teammate(builder, name)
    for n in range(1, count + 1):
        builder.git(other, "switch", "--quiet", "--track", f"origin/b{n}")
        (other / f"b{n}.txt").write_text(f"work on b{n}\n")
        commit_all(builder, other, f"Work on b{n}")
    builder.git(other, "push", "--quiet", "origin", *(f"b{n}" for n in range(1, count + 1)))
    return worktrees


def partial_clone_with_a_staged_rename(builder: FleetBuilder, name: str) -> tuple[Path, str]:
    """A blob:none, sparse clone (``--filter`` from a file:// remote that allows filters) where
    a file outside the sparse cone, whose blob was never fetched, is staged as moved and
    edited: git's rename detection would have to fetch that blob. Returns (clone, blob id)."""
    seed = builder.clean(f"{name}-seed")
    (seed / "outside").mkdir()
    (seed / "outside" / "data.txt").write_text("".join(f"line {n}\n" for n in range(200)))
    commit_all(builder, seed, "Data outside the sparse cone")
    builder.git(seed, "push", "--quiet", "origin", "main")
    remote = remote_of(builder, f"{name}-seed")
    builder.git(remote, "config", "uploadpack.allowFilter", "true")
    clone = builder.repos / name
    url = remote.absolute().as_uri()
    builder.git(
        builder.repos, "clone", "--quiet", "--filter=blob:none", "--sparse", url, str(clone)
    )
    blob = rev(builder, clone, "HEAD:outside/data.txt")
    moved = "".join(f"line {n}\n" for n in range(199)) + "an edit\n"
    (clone / "moved.txt").write_text(moved)
    builder.git(clone, "add", "moved.txt")
    builder.git(clone, "rm", "--quiet", "--cached", "--sparse", "outside/data.txt")
    return clone, blob


def missing_objects(builder: FleetBuilder, repo: Path) -> set[str]:
    """Objects reachable from HEAD that are not in the repo (--missing=print fetches nothing)."""
    out = builder.git(repo, "rev-list", "--objects", "--missing=print", "HEAD").stdout.decode()
    return {line[1:] for line in out.splitlines() if line.startswith("?")}
