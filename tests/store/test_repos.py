"""The fleet registry: add, find, list, remove, and what the last check saw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from statehub.errors import RepoConflict, RepoNotFound
from statehub.store import Store, ledger
from statehub.store.repos import (
    add_repo,
    find_repo_by_path,
    get_repo,
    list_repos,
    remove_repo,
    upsert_repo,
)
from statehub.store.sweepstore import SweepStore
from tests.store.checks import record_check

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_it_adds_and_gets_a_repo(store: Store) -> None:
    with store.session() as db:
        added = add_repo(db, name="api", path="/src/api", allow_push=True, source="discover")
    with store.session() as db:
        got = get_repo(db, name="api")
    assert got == added
    assert (got.name, got.path, got.allow_push, got.source) == ("api", "/src/api", True, "discover")
    assert got.last_checked_at is None and got.last_changed_at is None
    assert got.last_state is None and got.last_findings == []
    assert got.added_at.tzinfo is UTC


def test_it_defaults_to_no_push_from_the_cli(store: Store) -> None:
    with store.session() as db:
        added = add_repo(db, name="api", path="/src/api")
    assert (added.allow_push, added.source) == (False, "cli")


def test_it_refuses_an_unknown_source(store: Store) -> None:
    with pytest.raises(ValueError, match="cli, discover, config"), store.session() as db:
        add_repo(db, name="api", path="/src/api", source="guess")


def test_it_names_the_repo_a_clashing_name_belongs_to(store: Store) -> None:
    with store.session() as db:
        add_repo(db, name="api", path="/src/api")
    with (
        pytest.raises(RepoConflict, match=r"named 'api' is already registered \(path '/src/api'\)"),
        store.session() as db,
    ):
        add_repo(db, name="api", path="/elsewhere/api")


def test_it_names_the_repo_a_clashing_path_belongs_to(store: Store) -> None:
    with store.session() as db:
        add_repo(db, name="api", path="/src/api")
    with (
        pytest.raises(RepoConflict, match=r"path '/src/api' is already registered as repo 'api'"),
        store.session() as db,
    ):
        add_repo(db, name="api-again", path="/src/api")


def test_it_round_trips_paths_with_newlines_spaces_and_unicode(store: Store) -> None:
    path = "/home/zoë/my repos/line\nbreak/日本語 ✓"
    with store.session() as db:
        add_repo(db, name="odd", path=path)
    with store.session() as db:
        assert get_repo(db, name="odd").path == path
        found = find_repo_by_path(db, path=path)
        assert found is not None and found.name == "odd"
        assert find_repo_by_path(db, path="/home/zoë/my repos/line") is None


def test_it_removes_a_repo_and_returns_what_it_was(store: Store) -> None:
    with store.session() as db:
        add_repo(db, name="api", path="/src/api")
    with store.session() as db:
        removed = remove_repo(db, name="api")
    assert removed.name == "api"
    with store.session() as db:
        assert list_repos(db) == []
        # The path is free again.
        add_repo(db, name="api2", path="/src/api")


def test_it_raises_repo_not_found(store: Store) -> None:
    with store.session() as db:
        with pytest.raises(RepoNotFound, match="'ghost'"):
            get_repo(db, name="ghost")
        with pytest.raises(RepoNotFound):
            remove_repo(db, name="ghost")


def test_it_lists_repos_by_name(store: Store) -> None:
    with store.session() as db:
        for name in ["web", "api", "docs"]:
            add_repo(db, name=name, path=f"/src/{name}")
    with store.session() as db:
        assert [repo.name for repo in list_repos(db)] == ["api", "docs", "web"]


def test_it_lists_never_checked_first_then_oldest_check_then_name(store: Store) -> None:
    with store.session() as db:
        for name in ["a-new", "b-old", "c-older", "d-old", "z-new"]:
            add_repo(db, name=name, path=f"/src/{name}")
        record_check(db, name="b-old", checked_at=T0, state=None, findings=[])
        record_check(db, name="d-old", checked_at=T0, state=None, findings=[])
        record_check(
            db, name="c-older", checked_at=T0 - timedelta(hours=1), state=None, findings=[]
        )
    with SweepStore.over(store).reading() as tx:
        order = [repo.name for repo in ledger.list_repos_stalest_first(tx)]
    assert order == ["a-new", "z-new", "c-older", "b-old", "d-old"]


def test_it_moves_last_changed_only_when_state_or_findings_change(store: Store) -> None:
    state = {"branch": "main", "ahead": 0, "behind": 2, "counts": [1, 2]}
    with store.session() as db:
        add_repo(db, name="api", path="/src/api")
        record_check(db, name="api", checked_at=T0, state=state, findings=["behind"])
    with store.session() as db:
        first = get_repo(db, name="api")
        # Same state again (a tuple is the same JSON as a list): not a change.
        same = {**state, "counts": (1, 2)}
        record_check(
            db, name="api", checked_at=T0 + timedelta(minutes=15), state=same, findings=["behind"]
        )
        second = get_repo(db, name="api")
        record_check(
            db, name="api", checked_at=T0 + timedelta(minutes=30), state=state, findings=[]
        )
        third = get_repo(db, name="api")

    assert (first.last_checked_at, first.last_changed_at) == (T0, T0)
    assert (first.last_state, first.last_findings) == (state, ["behind"])
    assert second.last_checked_at == T0 + timedelta(minutes=15)
    assert second.last_changed_at == T0
    assert third.last_changed_at == T0 + timedelta(minutes=30)
    assert third.last_findings == []


def test_it_counts_a_first_check_as_a_change_even_when_empty(store: Store) -> None:
    with store.session() as db:
        add_repo(db, name="api", path="/src/api")
        record_check(db, name="api", checked_at=T0, state=None, findings=[])
        repo = get_repo(db, name="api")
    assert repo.last_changed_at == T0


def test_upsert_creates_then_updates(store: Store) -> None:
    with store.session() as db:
        created, was_created = upsert_repo(
            db, name="api", path="/src/api", allow_push=False, source="config"
        )
        updated, again = upsert_repo(
            db, name="api", path="/srv/api", allow_push=True, source="config"
        )
    assert (was_created, again) == (True, False)
    assert updated.id == created.id
    assert (updated.path, updated.allow_push) == ("/srv/api", True)


def test_upsert_refuses_a_path_owned_by_another_repo(store: Store) -> None:
    with store.session() as db:
        add_repo(db, name="web", path="/src/web")
        add_repo(db, name="api", path="/src/api")
    with (
        pytest.raises(RepoConflict, match="already registered as repo 'web'"),
        store.session() as db,
    ):
        upsert_repo(db, name="api", path="/src/web", allow_push=False, source="config")
