"""findings_for: what a repo's observed state means, as a table."""

from __future__ import annotations

import pytest

from statehub.fleet.state import BranchState, Finding, Operation, RepoState, findings_for

HEAD = "7a2a5cd559af7cfaa9c79f2d6addd4d76ea3c198"
SYNCED = RepoState(branch="main", head=HEAD, upstream="origin/main")

F = Finding


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        pytest.param(SYNCED, [], id="clean-and-in-sync"),
        pytest.param(RepoState(branch="main", head=HEAD), [F.NO_UPSTREAM], id="no-upstream"),
        pytest.param(
            RepoState(branch="main", head=HEAD, upstream="origin/main", upstream_gone=True),
            [F.NO_UPSTREAM],
            id="upstream-gone",
        ),
        pytest.param(RepoState(branch="main", head=None), [], id="unborn-has-nothing-to-push"),
        pytest.param(
            RepoState(branch="main", head=None, untracked=1), [F.UNTRACKED], id="unborn-untracked"
        ),
        pytest.param(RepoState(branch=None, head=HEAD), [F.DETACHED], id="detached"),
        pytest.param(
            RepoState(branch=None, head=HEAD, upstream="origin/main", ahead=3),
            [F.DETACHED],
            id="detached-ignores-relation",
        ),
        pytest.param(
            RepoState(branch="main", head=HEAD, upstream="origin/main", ahead=1),
            [F.AHEAD],
            id="ahead",
        ),
        pytest.param(
            RepoState(branch="main", head=HEAD, upstream="origin/main", behind=4),
            [F.BEHIND],
            id="behind",
        ),
        pytest.param(
            RepoState(branch="main", head=HEAD, upstream="origin/main", ahead=1, behind=1),
            [F.DIVERGED],
            id="diverged-is-not-also-ahead-and-behind",
        ),
        pytest.param(
            RepoState(
                branch="main",
                head=HEAD,
                upstream="origin/main",
                modified=1,
                staged=1,
                untracked=1,
                conflicted=1,
                stashes=1,
                operation=Operation.MERGE,
            ),
            [F.DIRTY, F.STAGED, F.UNTRACKED, F.CONFLICTED, F.STASH, F.OPERATION_IN_PROGRESS],
            id="everything-local-in-enum-order",
        ),
        pytest.param(
            RepoState(branch="main", head=HEAD, upstream="origin/main", operation=Operation.BISECT),
            [F.OPERATION_IN_PROGRESS],
            id="bisect",
        ),
        pytest.param(
            RepoState(
                branch="main",
                head=HEAD,
                upstream="origin/main",
                other_branches=(BranchState("feature", HEAD, "origin/feature", ahead=2),),
            ),
            [F.AHEAD],
            id="ahead-on-another-branch",
        ),
        pytest.param(
            RepoState(
                branch="main",
                head=HEAD,
                upstream="origin/main",
                other_branches=(
                    BranchState("spike", HEAD),
                    BranchState("old", HEAD, "origin/old", upstream_gone=True),
                    BranchState("lag", HEAD, "origin/lag", behind=1),
                ),
            ),
            [F.BEHIND, F.NO_UPSTREAM],
            id="other-branches-untracked-gone-and-behind",
        ),
        pytest.param(
            RepoState(
                branch=None,
                head=HEAD,
                other_branches=(BranchState("main", HEAD, "origin/main", ahead=1, behind=1),),
            ),
            [F.DIVERGED, F.DETACHED],
            id="detached-still-reports-branches",
        ),
        pytest.param(
            RepoState(branch="main", head=HEAD, upstream="origin/main", stashes=3),
            [F.STASH],
            id="stash",
        ),
    ],
)
def test_it_derives_findings(state: RepoState, expected: list[Finding]) -> None:
    assert findings_for(state) == expected


def test_findings_are_the_result_documents_codes() -> None:
    assert [f.value for f in findings_for(RepoState(branch=None, head=HEAD, staged=1))] == [
        "staged",
        "detached",
    ]
