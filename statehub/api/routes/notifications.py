"""The last notifications: what was announced, where, and whether it was delivered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from statehub.api.deps import StoreDep
from statehub.notify.document import NotificationOut
from statehub.store.deliveries import recent

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=list[NotificationOut])
def notifications(
    store: StoreDep, limit: Annotated[int, Query(ge=1, le=500)] = 20
) -> list[NotificationOut]:
    """Newest first; channels are shown with their secrets hidden."""
    with store.reading() as db:
        return [NotificationOut.model_validate(d) for d in recent(db, limit=limit)]
