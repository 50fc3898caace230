"""``GET /metrics``: the Prometheus text format, read from the store at scrape time.

Behind the bearer token like the rest of the API, unless ``STATEHUB_METRICS_PUBLIC=1``
(a Prometheus on the same host that holds no token). With ``statehub.notify.metrics`` the
only importer of ``prometheus_client`` in State Hub: the CLI never loads it.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from statehub.api.auth import Authenticated
from statehub.api.deps import SettingsDep, StoreDep
from statehub.notify import scrape
from statehub.notify.metrics import Cadence, StoreCollector, registry

router = APIRouter(tags=["metrics"])


# A plain def: FastAPI runs it on a worker thread, so the store's reads never block the
# event loop. A registry per scrape costs nothing and holds no state between scrapes.
@router.get("/metrics", response_class=Response)
def metrics(request: Request, settings: SettingsDep, store: StoreDep) -> Response:
    """Prometheus metrics of the sweeps and the fleet (docs/metrics.md)."""
    cache: scrape.SweepTotalsCache = request.app.state.metrics_cache
    collector = StoreCollector(
        read_snapshot=lambda: scrape.read_snapshot(store, cache),
        lock_held=lambda: scrape.lock_held(settings.lock_path),
        cadence=Cadence(
            every_seconds=settings.cadence_minutes * 60,
            grace_seconds=settings.cadence_grace_minutes * 60,
        ),
    )
    return Response(generate_latest(registry(collector)), media_type=CONTENT_TYPE_PLAIN_0_0_4)


def install(app: FastAPI, *, public: bool) -> None:
    app.state.metrics_cache = scrape.SweepTotalsCache()
    app.include_router(router, dependencies=[] if public else [Authenticated])
