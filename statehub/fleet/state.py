"""A repo's observed state and the findings it implies.

The dataclasses here are filled by the git probe (``statehub.git.inspect``)
from ``git status --porcelain=v2`` and ``git for-each-ref``; deciding what
needs action is pure and table-tested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Finding(StrEnum):
    """Why a repo needs action. The values are the codes of the result document."""

    DIRTY = "dirty"  # tracked files modified in the work tree
    STAGED = "staged"  # changes in the index not yet committed
    UNTRACKED = "untracked"
    CONFLICTED = "conflicted"  # unmerged paths
    AHEAD = "ahead"  # commits not on the upstream (any local branch)
    BEHIND = "behind"
    DIVERGED = "diverged"  # ahead and behind at once
    DETACHED = "detached"  # HEAD is not on a branch
    NO_UPSTREAM = "no_upstream"  # a local branch tracks nothing (or its upstream is gone)
    STASH = "stash"
    OPERATION_IN_PROGRESS = "operation_in_progress"  # merge, rebase, cherry-pick, revert, bisect
    FETCH_FAILED = "fetch_failed"
    FETCH_TIMEOUT = "fetch_timeout"
    # The repo's own config or hooks name programs; they were neutralised (docs/security.md).
    UNTRUSTED_CONFIG = "untrusted_config"


# Iterating an Enum class goes through its metaclass on every call: findings_for runs for
# every repo of every sweep.
_FINDING_ORDER = tuple(Finding)


class Operation(StrEnum):
    MERGE = "merge"
    REBASE = "rebase"
    CHERRY_PICK = "cherry-pick"
    REVERT = "revert"
    BISECT = "bisect"


@dataclass(frozen=True)
class BranchState:
    """One local branch and how it relates to its upstream."""

    name: str
    head: str | None = None
    upstream: str | None = None
    upstream_gone: bool = False  # configured upstream whose remote ref no longer exists
    ahead: int = 0
    behind: int = 0
    remote: str | None = None  # where the upstream lives ("." for another local branch)
    remote_ref: str | None = None  # the upstream's name there, e.g. refs/heads/feature
    upstream_head: str | None = None  # the commit of the upstream's remote-tracking ref


@dataclass(frozen=True)
class RepoState:
    """Everything one inspection learnt about a repo's work tree and branches."""

    branch: str | None  # None when HEAD is detached
    head: str | None  # None on an unborn branch
    upstream: str | None = None
    upstream_gone: bool = False
    ahead: int = 0
    behind: int = 0
    staged: int = 0
    modified: int = 0
    untracked: int = 0
    conflicted: int = 0
    stashes: int = 0
    operation: Operation | None = None
    other_branches: tuple[BranchState, ...] = field(default_factory=tuple)
    # The checked-out branch's upstream: its remote, ref there and commit (see BranchState).
    upstream_remote: str | None = None
    upstream_remote_ref: str | None = None
    upstream_head: str | None = None
    # Keys and hooks of the repo's own that name programs, escaped and shortened.
    untrusted_config: tuple[str, ...] = ()

    @property
    def detached(self) -> bool:
        return self.branch is None


def _relation_findings(
    upstream: str | None, upstream_gone: bool, ahead: int, behind: int
) -> set[Finding]:
    """How a branch stands against its upstream, as findings."""
    if upstream is None or upstream_gone:
        return {Finding.NO_UPSTREAM}
    if ahead and behind:
        return {Finding.DIVERGED}
    if ahead:
        return {Finding.AHEAD}
    if behind:
        return {Finding.BEHIND}
    return set()


def findings_for(state: RepoState) -> list[Finding]:
    """Every finding the state implies, in the stable order of ``Finding``.

    Other local branches count too: unpushed commits on a branch that is not
    checked out are just as much at risk as those on the current one.
    """
    found: set[Finding] = set()
    if state.modified:
        found.add(Finding.DIRTY)
    if state.staged:
        found.add(Finding.STAGED)
    if state.untracked:
        found.add(Finding.UNTRACKED)
    if state.conflicted:
        found.add(Finding.CONFLICTED)
    if state.stashes:
        found.add(Finding.STASH)
    if state.operation is not None:
        found.add(Finding.OPERATION_IN_PROGRESS)
    if state.untrusted_config:
        found.add(Finding.UNTRUSTED_CONFIG)
    if state.detached:
        found.add(Finding.DETACHED)
    elif state.head is not None:  # an unborn branch has nothing to push or pull yet
        found |= _relation_findings(state.upstream, state.upstream_gone, state.ahead, state.behind)
    for branch in state.other_branches:
        found |= _relation_findings(
            branch.upstream, branch.upstream_gone, branch.ahead, branch.behind
        )
    return [f for f in _FINDING_ORDER if f in found]
