"""Bearer-token auth: on when STATEHUB_TOKEN or STATEHUB_TOKEN_FILE is set.

The token is read once, when the app is built (a missing token file fails the
start-up, not the first request); ``app.state.token`` holds it.

A browser cannot send a bearer header on its own, so the dashboard signs in once
and holds a cookie instead (``statehub.api.dashboard.session``); the API accepts
that cookie too. The cookie holds a value derived from the token, not the token.
"""

from __future__ import annotations

import hashlib
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


COOKIE_NAME = "statehub_session"
# A cookie rides along with any request the browser makes, so a state-changing
# request authenticated by it must also carry this header. SameSite=Strict is
# the first guard; a header a cross-site form cannot set is the second.
DASHBOARD_HEADER = "X-StateHub-Dashboard"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def cookie_value(token: str) -> str:
    """What the dashboard's cookie holds. Derived, so the browser never stores the
    bearer token other callers use, and rotating the token signs every browser out."""
    return hmac.new(token.encode(), b"statehub dashboard session v1", hashlib.sha256).hexdigest()


def has_valid_cookie(request: Request, expected: str) -> bool:
    presented = request.cookies.get(COOKIE_NAME)
    if presented is None:
        return False
    if request.method not in _SAFE_METHODS and request.headers.get(DASHBOARD_HEADER) != "1":
        return False
    return hmac.compare_digest(presented.encode(), cookie_value(expected).encode())


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    expected: str | None = request.app.state.token
    if expected is None:
        return
    if credentials is None:
        if has_valid_cookie(request, expected):
            return
        raise _refuse("missing bearer token (Authorization: Bearer <token>)", "invalid_request")
    # Constant-time on bytes: compare_digest on str refuses non-ASCII input.
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise _refuse("invalid bearer token", "invalid_token")


Authenticated = Depends(require_token)
