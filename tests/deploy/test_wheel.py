"""The wheel ships the product only: no ``testing`` package, and no fault injector left in
``statehub/demofleet.py`` (the faults live in ``testing.fleet``, which never ships)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator

import pytest

from statehub import demofleet
from testing import ROOT
from testing import fleet as faulty

# What a checkout holds that is no part of a source tree: venvs, caches, earlier builds.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".state",
    ".bench",
    ".demo",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "test-results",
)


def _fault_names() -> list[str]:
    """Every method the tests' builder adds to the product's: each one is a fault."""
    added = set(vars(faulty.FleetBuilder)) - set(vars(demofleet.FleetBuilder))
    return sorted(name for name in added if not name.startswith("__"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    """The wheel ``pip wheel`` builds from a copy of this checkout (a build writes into its
    source tree, and this one is not ours to write to)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE, symlinks=True)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(base),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [path] = base.glob("statehub-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def test_the_wheel_holds_no_testing_package(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    assert "statehub/demofleet.py" in names  # the product is there…
    top = {name.split("/", 1)[0] for name in names}
    assert {"testing", "tests", "bench"}.isdisjoint(top), sorted(top)  # …and only it


def test_the_shipped_demo_builder_injects_no_fault(wheel: zipfile.ZipFile) -> None:
    shipped = wheel.read("statehub/demofleet.py").decode()
    faults = _fault_names()
    assert {"hanging_remote", "corrupt", "missing_object", "password_remote"} <= set(faults)
    assert "def clean(" in shipped  # the healthy states do ship
    for word in [*faults, "uploadpack", "garbage"]:
        assert word not in shipped, f"the wheel's statehub/demofleet.py still has {word!r}"
