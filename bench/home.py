"""State Hub homes for benchmarks: a fresh home with a given fleet registered (the env and
command line that run ``statehub`` against it are ``testing.serve``'s)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert

from bench.fleet import FleetRepo
from statehub.store import Store
from statehub.store.models import RepoRow


def prepare_home(
    home: Path,
    repos: Sequence[FleetRepo],
    *,
    database_url: str | None = None,
    trusted: bool = False,
) -> Store:
    """A fresh home (SQLite in it, unless ``database_url``) with exactly ``repos`` registered.

    ``trusted`` registers them with ``trust_repo_config``: the remote fleet's latency is a
    repo-local upload-pack, which a sweep runs only for a repo whose config the user trusts.

    Rows go in with one multi-row INSERT: registering 10,000 repos one ``statehub repos add``
    at a time is not what we measure. The caller disposes of the returned Store.
    """
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    store = Store.open(database_url or f"sqlite:///{home / 'statehub.db'}")
    now = datetime.now(UTC)
    rows = [
        {
            "name": repo.name,
            "path": str(repo.path),
            "allow_push": False,
            "trust_repo_config": trusted,
            "source": "cli",
            "added_at": now,
            "last_findings": [],
        }
        for repo in repos
    ]
    with store.session() as db:
        db.execute(delete(RepoRow))
        if rows:
            db.execute(insert(RepoRow), rows)
    return store
