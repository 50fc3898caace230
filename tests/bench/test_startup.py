"""The startup section's reading of ``python -X importtime``: each package's self time
summed, on a real interpreter's report (the section itself runs in ``make bench``)."""

from __future__ import annotations

import subprocess
import sys

from bench.startup import import_self_times


def test_it_sums_self_time_by_package_from_a_real_report() -> None:
    report = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import json, sqlstore.urls"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [line for line in report.stderr.splitlines() if line.startswith("import time:")][1:]
    # (name, self µs), in report order; a name may appear twice (a partial import, retried).
    self_us = [
        (row.rpartition("|")[2].strip(), int(row.removeprefix("import time:").split("|")[0]))
        for row in rows
    ]

    by_package, total = import_self_times(report.stderr)

    assert total == sum(us for _, us in self_us) > 0
    assert by_package["json"] == sum(us for name, us in self_us if name.split(".")[0] == "json")
    # sqlstore, statehub and SQLAlchemy are split one level down: sqlstore.urls is its own.
    assert by_package["sqlstore.urls"] == sum(us for name, us in self_us if name == "sqlstore.urls")
    assert by_package["sqlalchemy.sql"] == sum(
        us for name, us in self_us if name.startswith("sqlalchemy.sql.") or name == "sqlalchemy.sql"
    )
