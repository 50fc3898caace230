"""A run of some bench sections rewrites docs/benchmarks.md with the other sections' last
figures (dated), never without them."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench.report import Row, Section, load_section, render, save_section


def test_a_saved_section_reads_back_with_the_date_it_was_measured(tmp_path: Path) -> None:
    section = Section("history", "History", rows=[Row("GET /", "0.45 s", "5.1 s", "0.09x")])
    save_section(tmp_path, section, measured_at="2026-12-01 12:13")

    kept = load_section(tmp_path, "history")

    assert kept is not None
    assert kept.rows == section.rows and kept.title == "History"
    assert "2026-12-01 12:13" in kept.notes[0]
    assert load_section(tmp_path, "local") is None


def test_a_partial_run_keeps_the_sections_it_did_not_run_in_page_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_main, "KEPT", tmp_path)
    save_section(tmp_path, Section("history", "Old history", [Row("a", "1")]), measured_at="then")
    save_section(tmp_path, Section("local", "Old local", [Row("b", "2")]), measured_at="then")
    fresh = Section("local", "New local", [Row("b", "3")])
    broken = Section("scale", "Scale", error="boom")

    page = bench_main._with_kept_sections([broken, fresh], measured_at="now")

    assert [s.title for s in page] == ["New local", "Scale", "Old history"]
    assert load_section(tmp_path, "local").title == "New local"  # saved for the next run
    assert load_section(tmp_path, "scale") is None  # a failed section keeps nothing
    assert "Old history" in render(title="t", intro=[], machine=[], sections=page)
