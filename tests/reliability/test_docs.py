"""docs/reliability.md names a real test in every row: each test file it names exists and
each ``test_…`` it names is defined, so a renamed or deleted test breaks this, not the page."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reliability.md"


def _defined_tests() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    return names


def test_every_test_the_page_names_exists() -> None:
    text = PAGE.read_text()
    files = set(re.findall(r"tests/[\w/]+\.py", text))
    assert files, "the page names no test file"
    assert [f for f in sorted(files) if not (ROOT / f).is_file()] == []
    named = set(re.findall(r"(?<![\w/])(test_\w+)(?![\w.])", text))  # not file names
    assert [n for n in sorted(named) if n not in _defined_tests()] == []


def test_every_table_row_names_a_test() -> None:
    rows = [
        line
        for line in PAGE.read_text().splitlines()
        if line.startswith("| ")
        and not line.startswith(("| ---", "| fault", "| attack"))
        and not line.startswith(("| repo |", "| input |"))
    ]
    hostile = PAGE.read_text().split("## Hostile repositories", 1)[1].split("## Bad input", 1)[0]
    for row in rows:
        if row in hostile:
            continue  # one test sweeps them all; the section names it above the table
        assert "test_" in row, row
