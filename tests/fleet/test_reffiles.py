"""git's ref file formats, parsed strictly: what git might read otherwise is refused."""

from __future__ import annotations

import pytest

from statehub.fleet.reffiles import (
    BranchConfig,
    LooseValue,
    RefFormatError,
    Refspec,
    Symref,
    oid_pattern,
    parse_fetch_refspec,
    parse_loose,
    parse_packed,
    resolve,
    short_name_candidates,
    tracking_ref,
    upstream_of,
    valid_refname,
)

SHA1 = oid_pattern(40)
A = "a" * 40
B = "b" * 40

# As `git pack-refs --all` writes it (git 2.39), an annotated tag with its peeled line.
PACKED = f"""# pack-refs with: peeled fully-peeled sorted 
{A} refs/heads/main
{B} refs/remotes/origin/main
{A} refs/tags/v1
^{B}
"""  # noqa: W291 - git writes the header's trailing space


def test_packed_refs_with_header_and_peeled_lines() -> None:
    assert parse_packed(PACKED, SHA1) == {
        "refs/heads/main": A,
        "refs/remotes/origin/main": B,
        "refs/tags/v1": A,
    }


def test_packed_refs_without_header() -> None:
    assert parse_packed(f"{A} refs/heads/x\n", SHA1) == {"refs/heads/x": A}
    assert parse_packed("", SHA1) == {}


@pytest.mark.parametrize(
    "text",
    [
        f"{A} refs/heads/x",  # cut short: no final newline
        f"^{B}\n",  # a peeled line with no ref before it
        f"{A} refs/heads/x\n^{B}\n^{B}\n",  # two peeled lines
        f"{A} refs/heads/x\n# a comment later\n",
        f"{A.upper()} refs/heads/x\n",
        f"{A}  refs/heads/x\n",
        f"{A} refs/heads/bad..name\n",
        f"{A} refs/heads/x\r\n",
        "b" * 64 + " refs/heads/x\n",  # a SHA-256 id in a SHA-1 repository
    ],
)
def test_packed_refs_git_might_read_otherwise_are_refused(text: str) -> None:
    with pytest.raises(RefFormatError):
        parse_packed(text, SHA1)


def test_loose_refs() -> None:
    assert parse_loose(f"{A}\n", SHA1) == A
    assert parse_loose("ref: refs/remotes/origin/main\n", SHA1) == Symref(
        "refs/remotes/origin/main"
    )
    assert parse_loose("b" * 64 + "\n", oid_pattern(64)) == "b" * 64


@pytest.mark.parametrize(
    "text", ["", "garbage\n", f"{A} trailing\n", "ref: HEAD\n", "ref: refs/bisect/bad\n"]
)
def test_loose_refs_git_might_read_otherwise_are_refused(text: str) -> None:
    with pytest.raises(RefFormatError):
        parse_loose(text, SHA1)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("refs/heads/main", True),
        ("refs/heads/feat/one", True),
        ("refs/heads/x.lock", False),
        ("refs/heads/.hidden", False),
        ("refs/heads/a..b", False),
        ("refs/heads/a b", False),
        ("refs/heads/a@{1}", False),
        ("refs/heads/a/", False),
        ("refs/heads/ümlaut", False),  # valid to git, but left to it: it sorts bytes
        ("heads/main", False),
    ],
)
def test_refnames(name: str, valid: bool) -> None:
    assert valid_refname(name) is valid


def test_symbolic_refs_resolve_and_dangle() -> None:
    refs: dict[str, LooseValue] = {"refs/heads/a": Symref("refs/heads/b"), "refs/heads/b": A}
    assert resolve("refs/heads/a", refs.get) == A
    assert resolve("refs/heads/gone", refs.get) is None
    loop: dict[str, LooseValue] = {
        "refs/heads/a": Symref("refs/heads/b"),
        "refs/heads/b": Symref("refs/heads/a"),
    }
    with pytest.raises(RefFormatError):
        resolve("refs/heads/a", loop.get)


def test_refspecs_map_the_first_that_matches() -> None:
    default = parse_fetch_refspec("+refs/heads/*:refs/remotes/origin/*")
    single = parse_fetch_refspec("refs/heads/main:refs/remotes/origin/trunk")
    assert tracking_ref("refs/heads/feat/x", [default]) == "refs/remotes/origin/feat/x"
    assert tracking_ref("refs/heads/main", [single, default]) == "refs/remotes/origin/trunk"
    assert tracking_ref("refs/heads/other", [single]) is None
    assert single == Refspec("refs/heads/main", "refs/remotes/origin/trunk")


@pytest.mark.parametrize(
    "text",
    [
        "^refs/heads/x",
        "+refs/heads/*:refs/heads/*",  # a mirror: not a remote-tracking ref
        "refs/heads/*/x:refs/remotes/origin/*/x",
        "+refs/*:refs/remotes/origin/*",
        "refs/heads/*",
        None,
    ],
)
def test_refspecs_not_mapped_with_certainty(text: str | None) -> None:
    with pytest.raises(RefFormatError):
        parse_fetch_refspec(text)


def test_upstream_mapping() -> None:
    fetch = {"origin": ("+refs/heads/*:refs/remotes/origin/*",)}
    tracked = BranchConfig(remotes=("origin",), merges=("refs/heads/main",))
    assert upstream_of(tracked, fetch) == ("origin", "refs/heads/main", "refs/remotes/origin/main")
    assert upstream_of(BranchConfig(), fetch) is None


@pytest.mark.parametrize(
    "branch",
    [
        BranchConfig(remotes=(".",), merges=("refs/heads/main",)),  # a local branch
        BranchConfig(remotes=("origin",), merges=("main",)),  # not a full ref: git DWIMs
        BranchConfig(remotes=("origin",), merges=("refs/heads/a", "refs/heads/b")),
        BranchConfig(remotes=("origin",)),
        BranchConfig(remotes=(None,), merges=("refs/heads/main",)),
        BranchConfig(remotes=("nowhere",), merges=("refs/heads/main",)),  # no fetch refspec
        BranchConfig(remotes=("-x",), merges=("refs/heads/main",)),
    ],
)
def test_upstreams_left_to_git(branch: BranchConfig) -> None:
    with pytest.raises(RefFormatError):
        upstream_of(branch, {"origin": ("+refs/heads/*:refs/remotes/origin/*",)})


def test_short_names_and_what_would_make_them_ambiguous() -> None:
    short, others = short_name_candidates("refs/remotes/origin/main")
    assert short == "origin/main"
    assert others == (
        "origin/main",
        "refs/origin/main",
        "refs/tags/origin/main",
        "refs/heads/origin/main",
        "refs/remotes/origin/main/HEAD",
    )
    with pytest.raises(RefFormatError):
        short_name_candidates("refs/remotes/origin/HEAD")  # git shortens it to "origin"
