"""``GET /repos/{name}`` explains each finding with since when; ``GET /repos/{name}/history``
pages through the repo's changes, newest first, as ``/progress/`` pages through events."""

from __future__ import annotations

from datetime import datetime

import httpx

from statehub.store import Store
from testing.fleet import FleetBuilder, register
from tests.api.helpers import sqlite_only


def _sweep(client: httpx.Client) -> dict:
    answer = client.post("/consistency/sweep/remote-all", json={"max_seconds": 60})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_one_repo_explains_each_finding_with_since_and_its_changes(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder
) -> None:
    repo = fleet_builder.ahead_on_other_branch("experiments")
    register(store, {"experiments": repo})
    first = _sweep(client)
    _sweep(client)

    view = client.get("/repos/experiments").json()

    (held,) = view["findings"]
    assert held["finding"] == "ahead"
    assert datetime.fromisoformat(held["since"]) == datetime.fromisoformat(first["finished_at"])
    assert held["detail"]["about"] == "feature: 1 ahead of origin/feature"
    assert held["detail"]["commands"] == [f"git -C {repo} push origin feature"]
    assert held["detail"]["meaning"]
    assert view["status"] == "needs_action" and view["last_fetch"]["ok"] is True
    (change,) = view["changes"]  # two sweeps, one change
    assert change["sweep_id"] == first["sweep_id"] and change["appeared"] == ["ahead"]
    assert set(change["heads"]) == {"main", "feature"}
    assert set(change["upstream_heads"]) == {"main", "feature"}
    # The document of the sweep says the same.
    (report,) = first["repos_processed"]
    assert report["details"][0] == held["detail"]


def test_history_pages_with_a_before_cursor_and_a_next_link(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder
) -> None:
    repo = fleet_builder.clean("api")
    register(store, {"api": repo})
    for n in range(3):
        fleet_builder.git(repo, "commit", "--quiet", "--allow-empty", "-m", f"work {n}")
        _sweep(client)  # each sweep sees a new head: a change each time

    page = client.get("/repos/api/history", params={"limit": 2})
    assert page.status_code == 200
    rows = page.json()
    assert len(rows) == 2 and rows[0]["id"] > rows[1]["id"]
    link = page.headers["Link"]
    assert link == f'</repos/api/history?limit=2&before={rows[-1]["id"]}>; rel="next"'

    rest = client.get(link[1 : link.index(">")]).json()
    assert len(rest) == 1 and rest[0]["id"] < rows[-1]["id"]
    assert rest[0]["appeared"] == ["ahead"] and rows[-1]["cleared"] == []
    assert "Link" not in client.get("/repos/api/history", params={"limit": 5}).headers


@sqlite_only
def test_history_of_an_unknown_repo_is_404_and_bad_paging_is_422(client: httpx.Client) -> None:
    assert client.get("/repos/nope/history").status_code == 404
    assert client.get("/repos/nope%00/history").status_code == 404
    for params in ({"limit": 0}, {"limit": 501}, {"before": 0}, {"before": 2**31}):
        assert client.get("/repos/nope/history", params=params).status_code == 422
