"""The history bench, in miniature: its sweep documents are ones State Hub records, and
the recording child runs end to end (``make bench`` does the measuring)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import history
from statehub.sweep.result_schema import read_result
from testing import ROOT


def test_its_documents_are_sweep_results() -> None:
    document = history._sweep(3, datetime.now(UTC), repos=20)
    result = read_result(document)
    assert (len(result.repos_processed), len(result.skipped_clean)) == (4, 16)
    assert all(r.details for r in result.repos_processed)


def test_the_recording_child_records_and_reports(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.record_child",
            f"sqlite:///{tmp_path / 'r.db'}",
            "--repos",
            "20",
            "--sweeps",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(out.stdout)["ms_per_sweep"] > 0
