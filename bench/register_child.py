"""Register a fleet in a fresh home with whichever ``statehub`` is on the path:
``python -m bench.register_child [--trusted] < names-and-paths.json``.

An engine snapshot from an older commit refuses a database migrated by a newer program, so
a before/after of two commits (``bench.abtest --commits``) gives each side a home whose schema
is its own: this child runs with its working directory in the snapshot, creates the database
with that snapshot's migrations, and inserts only the columns that snapshot's ``repos`` table
has. It imports nothing from bench, whose modules follow the current code.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from sqlalchemy import delete, insert

from statehub.settings import load_settings
from statehub.store import Store
from statehub.store.models import RepoRow


def main() -> None:
    pairs = json.load(sys.stdin)  # [[name, path], …]
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    store = Store.open(settings.resolved_database_url)
    now = datetime.now(UTC)
    wanted = {
        "allow_push": False,
        "trust_repo_config": "--trusted" in sys.argv[1:],  # a remote fleet's upload-pack
        "source": "cli",
        "added_at": now,
        "last_findings": [],
    }
    columns = set(RepoRow.__table__.columns.keys())
    rows = [
        {k: v for k, v in {"name": name, "path": path, **wanted}.items() if k in columns}
        for name, path in pairs
    ]
    try:
        with store.session() as db:
            db.execute(delete(RepoRow))
            if rows:
                db.execute(insert(RepoRow), rows)
    finally:
        store.dispose()


if __name__ == "__main__":
    main()
