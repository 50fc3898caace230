"""Each repo's history: a row when findings or heads change, not one per sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import func, select, text

from sqlstore.engine import build_engine
from sqlstore.schema import alembic_config
from statehub.store import Store
from statehub.store.history import (
    changed_at_last_check,
    changed_by,
    held_since,
    list_changes,
)
from statehub.store.models import ChangeRow
from statehub.store.records import CheckRecord, Observation
from statehub.store.repos import add_repo, get_repo, remove_repo
from statehub.store.schema import SCHEMA
from tests.store.checks import record_checks

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
A, B = "a" * 40, "b" * 40


def _at(n: int) -> datetime:
    return T0 + timedelta(minutes=15 * n)


def _check(name: str, findings: list[str], heads: dict[str, str]) -> CheckRecord:
    return CheckRecord(
        name,
        {"branch": "main"},
        findings,
        observation=Observation(
            status="needs_action" if findings else "clean",
            findings=findings,
            heads=heads,
            upstream_heads={"main": A},
        ),
    )


def _sweep(store: Store, n: int, *checks: CheckRecord) -> None:
    with store.session() as db:
        record_checks(db, checked_at=_at(n), checks=checks, sweep_id=f"sweep-{n}")


def test_it_writes_a_row_only_when_findings_or_heads_change(store: Store) -> None:
    with store.session() as db:
        repo_id = add_repo(db, name="api", path="/src/api").id
    _sweep(store, 0, _check("api", [], {"main": A}))
    _sweep(store, 1, _check("api", [], {"main": A}))  # nothing changed: no row
    _sweep(store, 2, _check("api", ["ahead"], {"main": B}))
    _sweep(store, 3, _check("api", ["ahead"], {"main": B}))
    _sweep(store, 4, _check("api", ["ahead"], {"main": A}))  # heads moved, findings did not

    with store.reading() as db:
        rows = list_changes(db, repo_id=repo_id)
    assert [(r.sweep_id, r.findings, r.heads) for r in rows] == [
        ("sweep-4", ["ahead"], {"main": A}),
        ("sweep-2", ["ahead"], {"main": B}),
        ("sweep-0", [], {"main": A}),
    ]
    assert rows[0].upstream_heads == {"main": A} and rows[0].observed_at == _at(4)
    # Since: the earliest row of the unbroken run holding it, not the newest.
    with store.reading() as db:
        assert held_since(db, repo_id=repo_id) == {"ahead": _at(2)}


def test_since_restarts_after_a_break_and_follows_each_finding(store: Store) -> None:
    with store.session() as db:
        repo_id = add_repo(db, name="api", path="/src/api").id
    _sweep(store, 0, _check("api", ["stash", "behind"], {"main": A}))
    _sweep(store, 1, _check("api", ["stash"], {"main": A}))
    _sweep(store, 2, _check("api", ["stash", "behind"], {"main": A}))
    with store.reading() as db:
        assert held_since(db, repo_id=repo_id) == {"stash": _at(0), "behind": _at(2)}


def test_it_pages_newest_first_by_id(store: Store) -> None:
    with store.session() as db:
        repo_id = add_repo(db, name="api", path="/src/api").id
    for n in range(5):
        _sweep(store, n, _check("api", [], {"main": f"{n:040d}"}))
    with store.reading() as db:
        first = list_changes(db, repo_id=repo_id, limit=2)
        second = list_changes(db, repo_id=repo_id, limit=2, before_id=first[-1].id)
    assert [r.sweep_id for r in first + second] == ["sweep-4", "sweep-3", "sweep-2", "sweep-1"]


def test_a_whole_fleet_is_compared_in_bulk_and_a_removed_repo_takes_its_history(
    store: Store,
) -> None:
    names = [f"repo-{i:04d}" for i in range(1_000)]  # more than one query may name
    with store.session() as db:
        for name in names:
            add_repo(db, name=name, path=f"/src/{name}")
    _sweep(store, 0, *(_check(n, [], {"main": A}) for n in names))
    _sweep(store, 1, *(_check(n, ["dirty"] if n == names[-1] else [], {"main": A}) for n in names))

    with store.session() as db:
        assert db.scalar(select(func.count()).select_from(ChangeRow)) == len(names) + 1
        remove_repo(db, name=names[-1])
    with store.reading() as db:
        assert db.scalar(select(func.count()).select_from(ChangeRow)) == len(names) - 1


def test_missing_and_error_repos_are_changes_too(store: Store) -> None:
    with store.session() as db:
        repo_id = add_repo(db, name="api", path="/src/api").id
    _sweep(store, 0, CheckRecord("api", {"missing": True}, []))
    _sweep(store, 1, CheckRecord("api", {"missing": True}, []))
    _sweep(store, 2, CheckRecord("api", {"error": "fatal: bad object HEAD"}, []))
    with store.reading() as db:
        assert [r.status for r in list_changes(db, repo_id=repo_id)] == ["error", "missing"]
        record = get_repo(db, name="api")
    assert record.last_details == [] and record.last_fetch is None


def test_an_old_database_upgrades_with_its_repos_kept(database_url: str) -> None:
    engine = build_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(SCHEMA, connection), "0001")
            connection.execute(
                text(
                    "INSERT INTO repos (name, path, allow_push, source, added_at, last_findings) "
                    "VALUES ('old', '/src/old', false, 'cli', :at, '[]')"
                ),
                {"at": T0.replace(tzinfo=None)},
            )
    finally:
        engine.dispose()

    store = Store.open(database_url)
    try:
        with store.reading() as db:
            old = get_repo(db, name="old")
            assert (old.last_details, old.last_fetch) == ([], None)
        _sweep(store, 0, _check("old", ["behind"], {"main": A}))
        with store.reading() as db:
            assert held_since(db, repo_id=old.id) == {"behind": _at(0)}
    finally:
        store.dispose()


def test_a_spooled_sweep_keeps_what_the_history_needs(store: Store, tmp_path: Path) -> None:
    from statehub.sweep import spool
    from statehub.sweep.result_schema import read_result

    result = read_result(
        {
            "sweep_id": "00000000-0000-4000-8000-000000000001",
            "triggered_by": "manual",
            "host": "h",
            "mode": "warn",
            "max_seconds": 60,
            "started_at": _at(0),
            "finished_at": _at(0),
            "duration_seconds": 0,
            "exit_code": 0,
            "repos_total": 1,
        }
    )
    check = _check("api", ["ahead"], {"main": B})
    check = CheckRecord(
        check.name,
        check.state,
        check.findings,
        details=[{"finding": "ahead", "about": "main: 1 ahead of origin/main"}],
        fetch={"fetched": True, "ok": True, "finding": None, "message": None},
        observation=check.observation,
    )
    (back,) = spool.read(spool.write(tmp_path, result, [check])).checks
    assert back == check


def test_changed_means_the_findings_changed_not_the_heads(store: Store) -> None:
    """What ``sweep --changed`` and ``repos list --changed`` show."""
    with store.session() as db:
        for name in ("api", "web", "cli"):
            add_repo(db, name=name, path=f"/src/{name}")
    _sweep(store, 0, _check("api", [], {"main": A}), _check("web", [], {"main": A}))
    _sweep(
        store,
        1,
        _check("api", ["ahead"], {"main": B}),  # a finding appeared
        _check("web", [], {"main": B}),  # its head moved, its findings did not
        _check("cli", ["stash"], {"main": A}),  # its first check: new to the history
    )
    # An over-budget sweep checks only api: the others' last check stays sweep-1's.
    _sweep(store, 2, _check("api", ["ahead"], {"main": A}))

    with store.reading() as db:
        assert changed_by(db, sweep_id="sweep-0") == {"api", "web"}
        assert changed_by(db, sweep_id="sweep-1") == {"api", "cli"}
        assert changed_by(db, sweep_id="sweep-2") == set()
        assert changed_at_last_check(db) == {"cli"}
