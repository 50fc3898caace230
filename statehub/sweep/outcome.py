"""A check's outcome as the sweep shows it: its observed state and each finding explained.

Made once, where the check ends (``check_repo``, in the sweep's threads), for both the result
document and the records: made again for each, after every check was done, it cost the
sweep's single-threaded end about 20 ms per 1,000 repos (pure).
"""

from __future__ import annotations

from collections.abc import Sequence

from statehub.fleet.explain import Detail, FetchFacts, explain
from statehub.fleet.state import RepoState
from statehub.sweep.result import BranchSummary, ObservedState


def observed_state(state: RepoState) -> ObservedState:
    needing_action = [
        b
        for b in state.other_branches
        if b.upstream is None or b.upstream_gone or b.ahead or b.behind
    ]
    return ObservedState(
        branch=state.branch,
        head=state.head,
        upstream=state.upstream,
        ahead=state.ahead,
        behind=state.behind,
        staged=state.staged,
        modified=state.modified,
        untracked=state.untracked,
        conflicted=state.conflicted,
        stashes=state.stashes,
        operation=state.operation.value if state.operation else None,
        branches=[
            BranchSummary(
                name=b.name,
                upstream=b.upstream,
                ahead=b.ahead,
                behind=b.behind,
                upstream_gone=b.upstream_gone,
            )
            for b in needing_action
        ],
        untrusted_config=list(state.untrusted_config),
    )


def explained(
    findings: Sequence[str],
    state: RepoState | None,
    *,
    path: str,
    message: str | None,
    failed: tuple[tuple[str, str], ...],
) -> list[Detail]:
    """Each of ``findings`` explained for its repo (none: nothing to explain)."""
    if not findings:
        return []
    return explain(
        list(findings), state, path=path, fetch=FetchFacts(message=message, failed=failed)
    )
