"""Recording a whole sweep's checks at once (``ledger.record_checks``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from statehub.store import Store, ledger
from statehub.store.records import CheckRecord
from statehub.store.repos import add_repo, get_repo
from statehub.store.sweepstore import SweepStore
from tests.store.checks import record_checks

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=15)


def test_it_moves_last_changed_at_only_for_repos_whose_state_changed(store: Store) -> None:
    with store.session() as db:
        for name in ("same", "changed", "new"):
            add_repo(db, name=name, path=f"/src/{name}")
        record_checks(
            db,
            checked_at=T0,
            checks=[
                CheckRecord("same", {"ahead": (1, 2)}, ["ahead"]),  # a tuple, stored as a list
                CheckRecord("changed", {"ahead": 0}, []),
            ],
        )
    with store.session() as db:
        record_checks(
            db,
            checked_at=T1,
            checks=[
                CheckRecord("same", {"ahead": [1, 2]}, ["ahead"]),
                CheckRecord("changed", None, ["dirty"]),
                CheckRecord("new", {"missing": True}, []),
            ],
        )
    with store.session() as db:
        same, changed, new = (get_repo(db, name=n) for n in ("same", "changed", "new"))

    assert (same.last_checked_at, same.last_changed_at) == (T1, T0)
    assert (same.last_state, same.last_findings) == ({"ahead": [1, 2]}, ["ahead"])
    assert (changed.last_checked_at, changed.last_changed_at) == (T1, T1)
    assert (changed.last_state, changed.last_findings) == (None, ["dirty"])
    assert (new.last_checked_at, new.last_changed_at, new.last_state) == (T1, T1, {"missing": True})


def test_it_skips_repos_removed_since_the_sweep_began(store: Store) -> None:
    with store.session() as db:
        add_repo(db, name="kept", path="/src/kept")
        record_checks(
            db, checked_at=T0, checks=[CheckRecord("kept", None, []), CheckRecord("gone", None, [])]
        )
    with store.session() as db:
        assert get_repo(db, name="kept").last_checked_at == T0
    with SweepStore.over(store).reading() as tx:
        assert ledger.count_repos(tx) == 1


def test_it_records_more_repos_than_one_query_may_name(store: Store) -> None:
    names = [f"repo-{i:04d}" for i in range(1_000)]
    with store.session() as db:
        for name in names:
            add_repo(db, name=name, path=f"/src/{name}")
        record_checks(db, checked_at=T0, checks=[CheckRecord(n, None, []) for n in names])
    with store.session() as db:
        assert {get_repo(db, name=n).last_checked_at for n in (names[0], names[-1])} == {T0}


def test_similar_documents_in_one_sweep_keep_their_own_values(store: Store) -> None:
    # Encoded once per distinct value in a sweep: values that compare or hash alike in Python
    # (True == 1, "" and None, a list and a dict of the same strings) must not share a text.
    fetches: list[dict[str, Any] | None] = [
        {"ok": True},
        {"ok": 1},
        {"ok": "True"},
        {"ok": None},
        {"ok": ""},
        None,
        {"ok": True, "message": "ü"},
    ]
    findings = [["ok"], ["ok"], ["True"], [], ["dict"], ["ok", "True"], ["ü"]]
    names = [f"repo-{k}" for k in range(len(fetches))]
    with store.session() as db:
        for name in names:
            add_repo(db, name=name, path=f"/src/{name}")
        record_checks(
            db,
            checked_at=T0,
            checks=[
                CheckRecord(name, None, found, fetch=fetch)
                for name, found, fetch in zip(names, findings, fetches, strict=True)
            ],
        )
    with store.reading() as db:
        stored = [get_repo(db, name=name) for name in names]

    assert [(r.last_findings, r.last_fetch) for r in stored] == list(
        zip(findings, fetches, strict=True)
    )
    assert [type(r.last_fetch["ok"]) for r in stored[:2] if r.last_fetch] == [bool, int]
