"""`make check` is the gate CI runs: a planted type error or forbidden import must fail it.

Each planted fault goes into a copy of the tree in ``tmp_path`` (the checkout is never
touched), and the same tool with the project's own configuration must refuse it; the copy
without the fault must pass, so the test fails if the gate stops looking.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Every top-level Python package the gate checks, and the configuration it reads.
_COPIED = (
    "pyproject.toml",
    "statehub",
    "activitycore",
    "sqlstore",
    "testing",
    "durations",
    "hcping",
)


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in _COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, tree / name)
    return tree


def _run(tool: str, tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The copy must be what is analysed, not the installed checkout: put it first on the path.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(BIN / tool), *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _plant(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_make_check_runs_lint_types_contracts_and_tests() -> None:
    dry = subprocess.run(
        ["make", "-n", "check"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for step in ("ruff check", "ruff format --check", "mypy", "lint-imports", "pytest"):
        assert step in dry, f"`make check` no longer runs {step}:\n{dry}"


def test_ci_runs_make_check() -> None:
    assert "\nmake check\n" in (ROOT / ".ci" / "run").read_text()


def test_a_forbidden_import_breaks_the_contracts(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    assert _run("lint-imports", tree).returncode == 0, "the unplanted copy must pass"
    _plant(tree / "statehub" / "fleet" / "state.py", "import statehub.store  # planted")
    result = _run("lint-imports", tree)
    assert result.returncode != 0
    assert "The fleet domain is pure" in result.stdout and "BROKEN" in result.stdout


def test_one_service_importing_the_other_breaks_the_contracts(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    _plant(tree / "activitycore" / "cron.py", "import statehub.errors  # planted")
    result = _run("lint-imports", tree)
    assert result.returncode != 0
    assert "never import each other BROKEN" in result.stdout


def test_the_product_importing_the_tests_fixtures_breaks_the_contracts(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    _plant(tree / "statehub" / "cli" / "demo.py", "import testing.fleet  # planted")
    result = _run("lint-imports", tree)
    assert result.returncode != 0
    assert "never imports the tests' fixtures" in result.stdout and "BROKEN" in result.stdout


@pytest.mark.slow
def test_a_type_error_fails_mypy(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    cache = ("--cache-dir", str(tmp_path / "mypy-cache"))
    clean = _run("mypy", tree, *cache)
    assert clean.returncode == 0, clean.stdout
    _plant(tree / "statehub" / "fleet" / "state.py", 'PLANTED: int = "not an int"')
    result = _run("mypy", tree, *cache)
    assert result.returncode != 0
    assert "statehub/fleet/state.py" in result.stdout
    assert "Incompatible types in assignment" in result.stdout
