"""Fix mode: decide which changes are provably safe (pure), then make them.

Only two changes are ever made, and only to a repo with nothing local at risk:
a fast-forward of the checked-out branch when it is purely behind, and a plain
(never forced) push of a branch that is purely ahead, when the repo's policy
allows pushing. Nothing is reset, forced, dropped or stashed. What the work tree
and the remote's names allow is checked when a fix is made
(``statehub.fleet.fixsafety``): a fix refused there is reported in ``actions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from statehub.fleet.state import Finding, RepoState, findings_for

# Anything in the work tree or an operation in progress makes a fast-forward
# unsafe: `merge --ff-only` would refuse some of these, but not all (untracked
# files it would overwrite abort it half-way).
_LOCAL_WORK = {
    Finding.DIRTY,
    Finding.STAGED,
    Finding.UNTRACKED,
    Finding.CONFLICTED,
    Finding.OPERATION_IN_PROGRESS,
    Finding.DETACHED,
}


class FixKind(StrEnum):
    FAST_FORWARD = "fast_forward"
    PUSH = "push"


@dataclass(frozen=True)
class Fix:
    kind: FixKind
    branch: str

    @property
    def verb(self) -> str:
        return "fast-forward" if self.kind is FixKind.FAST_FORWARD else "push"

    def describe(self) -> str:
        done = "fast-forwarded" if self.kind is FixKind.FAST_FORWARD else "pushed"
        return f"{done} {self.branch}"


def plan_fixes(state: RepoState, *, allow_push: bool) -> list[Fix]:
    """The safe fixes for ``state``; empty when any local work is at stake."""
    if _LOCAL_WORK & set(findings_for(state)):
        return []
    fixes: list[Fix] = []
    current = state.branch
    if (
        current is not None
        and state.head is not None
        and state.upstream
        and not state.upstream_gone
    ):
        if state.behind and not state.ahead:
            fixes.append(Fix(FixKind.FAST_FORWARD, current))
        elif state.ahead and not state.behind and allow_push:
            fixes.append(Fix(FixKind.PUSH, current))
    if allow_push:
        for branch in state.other_branches:
            if branch.upstream and not branch.upstream_gone and branch.ahead and not branch.behind:
                fixes.append(Fix(FixKind.PUSH, branch.name))
    return fixes
