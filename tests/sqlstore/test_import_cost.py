"""Opening an up-to-date store costs one query and no Alembic import (the sweep's start-up
pays for what it imports); Alembic is loaded only when a migration must run."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.sqlstore.kinds import StoreKind

# What a process that only opens its store imports; it prints the Alembic modules it loaded.
OPEN_AND_REPORT = """
import json, sys
from {module} import {name} as Store
Store.open(sys.argv[1]).dispose()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "alembic")))
"""


def _alembic_modules_after_open(kind: StoreKind, url: str) -> list[str]:
    store = kind.store
    script = OPEN_AND_REPORT.format(module=store.__module__, name=store.__name__)
    done = subprocess.run(
        [sys.executable, "-c", script, url],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_opening_an_up_to_date_store_does_not_import_alembic(
    kind: StoreKind, database_url: str
) -> None:
    kind.store.open(database_url).dispose()
    assert _alembic_modules_after_open(kind, database_url) == []


def test_opening_a_fresh_store_imports_alembic_to_migrate_it(
    kind: StoreKind, database_url: str
) -> None:
    assert "alembic.command" in _alembic_modules_after_open(kind, database_url)
