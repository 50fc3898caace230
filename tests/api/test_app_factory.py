"""``create_app(settings)``: without a store, its lifespan opens one and closes it."""

from __future__ import annotations

from statehub.api import create_app
from statehub.settings import Settings
from testing.serve import LiveServer


def test_it_opens_and_migrates_its_own_store_for_its_lifetime(settings: Settings) -> None:
    app = create_app(settings)
    assert app.state.store is None  # nothing is opened while building the app

    with LiveServer(app) as server, server.client() as client:
        assert client.get("/health").json()["database"] == "ok"
        assert client.post("/progress/", json={"event_type": "x"}).status_code == 201
        assert client.post("/consistency/sweep/remote-all").json()["repos_total"] == 0

    assert app.state.store is None  # disposed at shutdown
