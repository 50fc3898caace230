"""The pure rules of fix mode: diff-tree's raw output, what a fast-forward may land on, and
which pushes ``push.default=simple`` would make. The raw records were captured from git 2.39."""

from __future__ import annotations

import pytest

from statehub.fleet.fixsafety import (
    PathKind,
    TreeChange,
    TreeDiffError,
    fast_forward_hazard,
    local_path_of,
    local_remote_refusal,
    parse_tree_diff,
    push_refusal,
    sane_remote_name,
)

OLD = "117aa197e8509003d92fd1b928b7f65bb63be73d"
NEW = "2de755939fc1d1fe1872f28e7f147ae7913e97cd"
ZERO = "0" * 40
# git diff-tree -r -z --no-renames HEAD@{1} HEAD after a submodule bump (captured).
SUBMODULE_BUMP = f":160000 160000 {OLD} {NEW} M\x00sub\x00".encode()
ADD_AND_DELETE = f":100644 000000 {OLD} {ZERO} D\x00a\x00:000000 100644 {ZERO} {NEW} A\x00a/b\x00"


def _change(path: str, status: str, old: str = "100644", new: str = "100644") -> TreeChange:
    return TreeChange(path=path, status=status, old_mode=old, new_mode=new)


def test_it_parses_raw_records_with_modes_and_status() -> None:
    assert parse_tree_diff(SUBMODULE_BUMP) == [_change("sub", "M", "160000", "160000")]
    assert parse_tree_diff(ADD_AND_DELETE.encode()) == [
        _change("a", "D", "100644", "000000"),
        _change("a/b", "A", "000000", "100644"),
    ]
    assert parse_tree_diff(b"") == []


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(SUBMODULE_BUMP[:-1], id="truncated"),
        pytest.param(SUBMODULE_BUMP + SUBMODULE_BUMP[:60] + b"\x00", id="record-without-path"),
        pytest.param(b":1 2 x y M\x00p\x00", id="garbled-meta"),
        pytest.param(f":100644 100644 {OLD} {NEW} R100\x00p\x00".encode(), id="rename-status"),
    ],
)
def test_it_refuses_output_that_is_not_the_raw_format(raw: bytes) -> None:
    with pytest.raises(TreeDiffError):
        parse_tree_diff(raw)


def _disk(**kinds: PathKind) -> dict[str, PathKind]:
    return {path.replace("__", "/"): kind for path, kind in kinds.items()}


D, F = PathKind.DIRECTORY, PathKind.OTHER


@pytest.mark.parametrize(
    ("changes", "on_disk", "hazard"),
    [
        pytest.param([_change("new.txt", "A")], {}, None, id="add-where-nothing-is"),
        pytest.param([_change("README", "M")], {"README": F}, None, id="modify-tracked"),
        pytest.param([_change("README", "D")], {"README": F}, None, id="delete-tracked"),
        pytest.param(
            [_change("build.log", "A")],
            {"build.log": F},
            "build.log ... overwrite it",
            id="ignored",
        ),
        pytest.param(
            [_change("out", "A")], {"out": D}, "out ... overwrite it", id="dir-in-the-way"
        ),
        pytest.param(
            [_change("a/b/c", "A")],
            {"a": D, "a/b": F},
            "a/b ... with a directory",
            id="prefix-file",
        ),
        pytest.param(
            [_change("a", "D"), _change("a/b", "A")], {"a": F}, None, id="tracked-file-to-dir"
        ),
        pytest.param([_change("x/y", "A")], {"x": D}, None, id="existing-dir-new-file"),
        pytest.param(
            [_change("sub", "A", "000000", "160000")], {}, "submodule pointer sub", id="gitlink-add"
        ),
        pytest.param(
            [_change("sub", "M", "160000", "160000")],
            {"sub": D},
            "submodule pointer sub",
            id="bump",
        ),
        pytest.param(
            [_change("sub", "T", "100644", "160000")], {}, "submodule pointer sub", id="type-change"
        ),
    ],
)
def test_a_fast_forward_may_land_only_where_nothing_untracked_is(
    changes: list[TreeChange], on_disk: dict[str, PathKind], hazard: str | None
) -> None:
    found = fast_forward_hazard(changes, lambda path: on_disk.get(path, PathKind.MISSING))
    if hazard is None:
        assert found is None
    else:
        assert found is not None
        head, _, tail = hazard.partition(" ... ")
        assert found.startswith(head) if tail else head in found
        assert found.endswith(tail)


@pytest.mark.parametrize(
    ("name", "sane"),
    [
        ("origin", True),
        ("upstream/mirror", True),
        ("my-fork", True),
        ("--receive-pack=/tmp/x", False),
        ("-x", False),
        ("", False),
        (".", False),
        ("a b", False),
        ("a:b", False),
        ("a..b", False),
        ("/abs/path", False),
        ("https://host/repo", False),
        ("x.lock", False),
        ("tab\tname", False),
    ],
)
def test_a_remote_name_is_sane_only_if_git_could_have_made_it(name: str, sane: bool) -> None:
    assert sane_remote_name(name) is sane


def test_a_push_goes_only_to_the_same_named_branch_on_a_sane_remote() -> None:
    assert push_refusal("main", "origin", "refs/heads/main") is None
    assert push_refusal("main", ".", "refs/heads/main") == "it does not track a branch on a remote"
    assert "tracks 'master' on origin" in (
        push_refusal("topic", "origin", "refs/heads/master") or ""
    )
    assert "not a name git gives a remote" in (push_refusal("m", "-u", "refs/heads/m") or "")
    assert push_refusal("main", "origin", "refs/heads/main", "origin") is None
    assert "sends it to 'fork'" in (push_refusal("main", "origin", "refs/heads/main", "fork") or "")


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/srv/git/app.git", "/srv/git/app.git"),
        ("../app.git", "../app.git"),
        ("app", "app"),
        ("file:///srv/git/app.git", "/srv/git/app.git"),
        ("./a:b", "./a:b"),  # a slash before the colon: still a path, as git reads it
        ("git@github.com:org/app.git", None),  # scp-like: ssh
        ("host:app", None),
        ("ssh://host/app.git", None),
        ("https://host/app.git", None),
        ("ext::sh -c evil", None),  # a remote helper
    ],
)
def test_local_path_of_follows_gits_rule(url: str, path: str | None) -> None:
    assert local_path_of(url) == path


def test_a_local_remote_with_hooks_or_a_hooks_path_is_refused() -> None:
    assert local_remote_refusal("/r.git", [], None) is None
    assert "(post-receive, update)" in (
        local_remote_refusal("/r.git", ["update", "post-receive"], None) or ""
    )
    assert "core.hooksPath" in (local_remote_refusal("/r.git", [], "/elsewhere") or "")
    refusal = local_remote_refusal("/r.git", [], None, "updateInstead")
    assert "receive.denyCurrentBranch=updateInstead" in (refusal or "")
    assert local_remote_refusal("/r.git", [], None, "refuse") is None
