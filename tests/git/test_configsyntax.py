"""The config parser reads every file exactly as ``git config --file F --list`` does.

Table cases for each rule of the syntax, then generated files (hypothesis) compared with git
itself: same entries in the same order, or both refuse the file.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from statehub.git.configsyntax import (
    ConfigSyntaxError,
    _parse_full,
    _parse_simple,
    parse_config,
    split_key,
)


def git_list(text: str) -> list[tuple[str, str | None]] | None:
    """git's reading of ``text``, or None when git refuses it."""
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as file:
        file.write(text)
    try:
        done = subprocess.run(
            ["git", "config", "--file", file.name, "--list", "-z"],
            capture_output=True,
            timeout=30,
            env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"},
        )
    finally:
        Path(file.name).unlink()
    if done.returncode != 0:
        return None
    out: list[tuple[str, str | None]] = []
    for item in done.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]:
        key, newline, value = item.partition("\n")
        out.append((key, value if newline else None))
    return out


def ours(text: str) -> list[tuple[str, str | None]] | None:
    try:
        return [(e.key, e.value) for e in parse_config(text)]
    except ConfigSyntaxError:
        return None


CASES = {
    "sections and keys are case-insensitive": "[Core]\n\tBare = true\n",
    "subsection keeps its case and escapes": '[remote "Or\\"ig\\\\in"]\n\turl = x\n',
    "old-style subsection is lower-cased": "[Branch.Main]\n\tremote = origin\n",
    "valueless boolean": "[core]\n\tbare\n",
    "empty value": "[core]\n\tpager =\n",
    "comments of both kinds": "# top\n; top\n[core] ; c\n\tx = 1 # c\n\ty = 2 ; c\n",
    "quotes keep spaces and comment characters": '[a]\n\tk = "  #;  " tail \n',
    "inner whitespace becomes spaces": "[a]\n\tk = one \t two\n",
    "escapes": '[a]\n\tk = tab\\there\\nline\\b\\"q\\\\\n',
    "continuation line": "[a]\n\tk = first \\\n  second\n",
    "key on the header line": "[core] bare = true\n",
    "several sections, repeated keys": "[a]\nk=1\n[b]\nk=2\n[a]\nk=3\n",
    "byte order mark and CRLF": "\ufeff[a]\r\n\tk = v\r\n",
    "dashes and digits in names": "[x-y]\n\tk-2 = v\n",
    "a key before any section (git reads it, sectionless)": "k = v\n[a]\n",
    "hooksPath as written": '[core]\n\thooksPath = "/dev/null"\n',
}
REFUSED = {
    "unterminated quote": '[a]\n\tk = "open\n',
    "unknown escape": "[a]\n\tk = \\q\n",
    "key starting with a digit": "[a]\n\t2k = v\n",
    "comment after a bare key": "[a]\n\tk # c\n",
    "bad section character": "[a_b]\n\tk = v\n",
    "unterminated subsection": '[a "b]\n\tk = v\n',
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_it_reads_each_rule_as_git_does(text: str) -> None:
    expected = git_list(text)
    assert expected is not None and expected  # git reads it, so the case means something
    assert ours(text) == expected


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_it_refuses_what_git_refuses(text: str) -> None:
    assert git_list(text) is None
    with pytest.raises(ConfigSyntaxError, match=r"bad config line \d+"):
        parse_config(text)


def test_split_key() -> None:
    assert split_key("core.bare") == ("core", None, "bare")
    assert split_key("remote.a.b.url") == ("remote", "a.b", "url")
    assert split_key("includeif.gitdir:~/src/.path") == ("includeif", "gitdir:~/src/", "path")


_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,6}", fullmatch=True)
_sub_chars = st.sampled_from(list('aZ .:/-"\\x'))
_value_piece = st.one_of(
    st.text(alphabet="ab Z\t.:/-=", min_size=1, max_size=6),
    st.sampled_from(['"q  t"', "\\n", "\\t", '\\"', "\\\\", "\\\n", " # c", " ; c", '"#"']),
)


@st.composite
def _config(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        section = draw(_names)
        if draw(st.booleans()):
            sub = "".join(draw(st.lists(_sub_chars, max_size=6)))
            rendered = sub.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'[{section} "{rendered}"]')
        elif draw(st.booleans()):
            lines.append(f"[{section}.{draw(_names)}]")
        else:
            lines.append(f"[{section}]")
        for _ in range(draw(st.integers(0, 3))):
            key = draw(_names)
            if draw(st.integers(0, 5)) == 0:
                lines.append(f"\t{key}")
            else:
                value = "".join(draw(st.lists(_value_piece, max_size=5)))
                lines.append(f"\t{key} = {value}")
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "# comment", "; comment", "  "])))
        if draw(st.integers(0, 4)) == 0:  # noise: where both must refuse, or agree
            lines.append(draw(st.text(alphabet='ab[]" =\\#;.\t', max_size=8)))
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_config())
def test_generated_files_read_as_git_reads_them(text: str) -> None:
    assert ours(text) == git_list(text)


def test_the_fast_path_and_the_full_reader_agree() -> None:
    """Simple files take a regex per line; an escape anywhere sends the file to the full reader."""
    simple = '[core]\n\tbare = false\n[remote "origin"]\n\turl = /srv/x.git\n\tk\n\te =\n'
    assert ours(simple) == ours(simple + '[z]\n\tq = "forces\\tthe full reader"\n')[:-1]
    assert ours(simple) == git_list(simple)


@pytest.mark.parametrize("text", [*CASES.values(), "[A.b.C]\n\tk = v\n", '[r ""]\n\tk\n'])
def test_each_entry_carries_its_key_split(text: str) -> None:
    for entry in parse_config(text):
        assert entry.parts == split_key(entry.key)


# Files the one-regex-per-line path reads, each checked against the character-by-character
# reader (same entries, line numbers and split keys) and against git.
FAST = {
    "a fleet clone's config": (
        "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
        '[remote "origin"]\n\turl = /srv/r.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n'
        '[branch "main"]\n\tremote = origin\n\tmerge = refs/heads/main\n'
    ),
    "empty subsection": '[r ""]\n\tk\n',
    "old-style subsection": "[A.b.C]\n\tk = v\n",
    "spaces inside and around values": "[a]\n  k   =   one  two   \n\tj=x\n",
    "empty and valueless": "[a]\n\tk =\n\tj=\n\tbare\n\tbare2   \n",
    "= inside a value": "[a]\n\turl = https://h/x?a=b&c=d\n",
    "blank, whitespace and comment lines": "\n \t\n# one\n; two\n[a]\n#\n\tk = v\n\n",
    "no final newline": "[a]\n\tk = v",
    "dots and spaces in a subsection": (
        '[remote "a.b c"]\n\turl = x\n[branch "feat/x.y"]\n\tm = 1\n'
    ),
    "upper case names, dashes, digits": "[Core-2]\n\tKey-3 = Value\n[X]\n\tA = b\n",
    "non-ASCII in a value and a subsection": '[a "ü"]\n\tk = é ü\n',
    "a repeated line in two sections": "[a]\n\tk = 1\n[b]\n\tk = 1\n[a]\n\tk = 1\n",
    "a quoted value": '[a]\n\tk = "v"\n',
    "a quoted path, as git writes one with a space, # or ;": (
        '[remote "origin"]\n\tuploadpack = "/srv/my tools/up.sh"\n\turl = "/srv/a#b;c.git"\n'
    ),
    "spaces, tabs, # and ; kept inside quotes": '[a]\n\tk =  "  one\ttwo # three ; four  "  \n',
    "an empty quoted value": '[a]\n\tk = ""\n\tj=""\n',
}
# Files it must leave to the full reader, which reads or refuses them as git does.
DECLINED = {
    "old-style with a quoted subsection": '[a.b "c"]\n\tk = v\n',
    "a key before any section": "k = v\n[a]\n",
    "key on the header line": "[core] bare = true\n",
    "comment after the header": "[core] # c\n\tk = v\n",
    "comment after a value": "[a]\n\tk = v # c\n",
    "a tab inside a value": "[a]\n\tk = one\ttwo\n",
    "a quote inside a value": '[a]\n\tk = a"v"\n',
    "text after a quoted value": '[a]\n\tk = "v" w\n',
    "a comment after a quoted value": '[a]\n\tk = "v" # c\n',
    "two quoted strings": '[a]\n\tk = "v""w"\n',
    "an escape inside quotes": '[a]\n\tk = "v\\"w"\n',
    "an unterminated quote": '[a]\n\tk = "v\n',
    "an escape": "[a]\n\tk = v\\n\n",
    "a key starting with a digit": "[a]\n\t2k = v\n",
}


@pytest.mark.parametrize("text", FAST.values(), ids=FAST.keys())
def test_the_fast_path_reads_what_the_full_reader_reads(text: str) -> None:
    simple = _parse_simple(text)
    assert simple is not None and simple == _parse_full(text)
    assert ours(text) == git_list(text)


@pytest.mark.parametrize("text", DECLINED.values(), ids=DECLINED.keys())
def test_the_fast_path_declines_every_other_line(text: str) -> None:
    assert _parse_simple(text) is None
    assert ours(text) == git_list(text)


_plain_value = st.one_of(
    st.text(alphabet="ab Z.:/-=*+é", max_size=12),
    st.text(alphabet="ab Z\t#;.=é", max_size=8).map(lambda inside: f'"{inside}"'),
)
_blank_or_comment = st.sampled_from(["", "  ", "\t", "# c", "; c", "\t# indented"])


@st.composite
def _simple_config(draw: st.DrawFn) -> str:
    """Files made of the lines the fast path reads, with the odd line it must decline."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        section = draw(_names)
        form = draw(st.integers(0, 2))
        sub = draw(st.text(alphabet="aZ .:/-", max_size=5))
        lines.append((f"[{section}]", f'[{section} "{sub}"]', f"[{section}.{draw(_names)}]")[form])
        for _ in range(draw(st.integers(0, 4))):
            key, pad = draw(_names), draw(st.sampled_from(["", " ", "\t", "  "]))
            if draw(st.integers(0, 4)) == 0:
                lines.append(f"{pad}{key}{pad}")
            else:
                lines.append(f"{pad}{key}{pad}={pad}{draw(_plain_value)}{pad}")
            if draw(st.integers(0, 6)) == 0:
                lines.append(draw(_blank_or_comment))
        if draw(st.integers(0, 8)) == 0:  # a line the fast path declines, or git refuses
            odd = ['\tk = "q" x', '\tk = "q', "\tk = a\\n", "\t2k = v", "[a_b]"]
            lines.append(draw(st.sampled_from(odd)))
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


@settings(max_examples=300, deadline=None)
@given(_simple_config())
def test_generated_simple_files_read_alike_both_ways(text: str) -> None:
    simple = _parse_simple(text)
    event("fast path" if simple is not None else "declined")
    try:
        full = _parse_full(text)
    except ConfigSyntaxError:
        assert simple is None  # the fast path never reads a file git would refuse
        return
    assert simple is None or simple == full
