"""Bearer-token auth: on when STATEHUB_TOKEN or STATEHUB_TOKEN_FILE is set.

The token is read once, when the app is built (a missing token file fails the
start-up, not the first request); ``app.state.token`` holds it.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

# auto_error=False: we answer 401 (not FastAPI's 403) and only when auth is on.
bearer = HTTPBearer(auto_error=False, description="STATEHUB_TOKEN, when the server has one")


def _refuse(detail: str, error: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": f'Bearer realm="statehub", error="{error}"'},
    )


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    expected: str | None = request.app.state.token
    if expected is None:
        return
    if credentials is None:
        raise _refuse("missing bearer token (Authorization: Bearer <token>)", "invalid_request")
    # Constant-time on bytes: compare_digest on str refuses non-ASCII input.
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise _refuse("invalid bearer token", "invalid_token")


Authenticated = Depends(require_token)
