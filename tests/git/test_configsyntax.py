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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statehub.git.configsyntax import ConfigSyntaxError, parse_config, split_key


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
    """Simple files take a regex per line; a quote anywhere sends the file to the full reader."""
    simple = '[core]\n\tbare = false\n[remote "origin"]\n\turl = /srv/x.git\n\tk\n\te =\n'
    assert ours(simple) == ours(simple + '[z]\n\tq = "forces the full reader"\n')[:-1]
    assert ours(simple) == git_list(simple)


@pytest.mark.parametrize("text", [*CASES.values(), "[A.b.C]\n\tk = v\n", '[r ""]\n\tk\n'])
def test_each_entry_carries_its_key_split(text: str) -> None:
    for entry in parse_config(text):
        assert entry.parts == split_key(entry.key)
