"""Signing the dashboard in: the token once, then an HttpOnly, SameSite=Strict cookie.

``POST /dashboard/session`` takes ``{"token": …}`` as JSON with the dashboard's
header (``auth.DASHBOARD_HEADER``): a cross-site form can send neither, so no
other site can sign a browser in or out. The cookie holds ``auth.cookie_value``,
which the API's own auth accepts as well.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from statehub.api import auth

router = APIRouter(prefix="/dashboard", include_in_schema=False)

# A month: "asks for the token once" without a sign-in that outlives a rotated token
# (rotation changes the cookie value anyway, and the page then asks again).
MAX_AGE_SECONDS = 30 * 24 * 3600


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=4096, strict=True)


def token_required(request: Request) -> bool:
    return request.app.state.token is not None


def signed_in(request: Request) -> bool:
    """May this request see the fleet? Always when the server has no token; else with
    the sign-in cookie, or with the bearer token (curl, a proxy that adds it)."""
    expected: str | None = request.app.state.token
    if expected is None:
        return True
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(presented.encode(), expected.encode()):
        return True
    return auth.has_valid_cookie(request, expected)


def _require_dashboard_header(value: str | None) -> None:
    if value != "1":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"the dashboard's requests carry {auth.DASHBOARD_HEADER}: 1"
        )


DashboardHeader = Annotated[str | None, Header(alias=auth.DASHBOARD_HEADER)]


@router.get("/session", status_code=status.HTTP_204_NO_CONTENT)
def check(request: Request) -> Response:
    """204 when signed in. SameSite=Strict withholds the cookie from a page opened by a
    link on another site; the sign-in page asks here (same-site, so the cookie is sent)
    and, when the browser is in fact signed in, simply loads itself again."""
    if not signed_in(request):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not signed in")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/session", status_code=status.HTTP_204_NO_CONTENT)
def sign_in(body: SignIn, request: Request, marker: DashboardHeader = None) -> Response:
    _require_dashboard_header(marker)
    expected: str | None = request.app.state.token
    if expected is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "this server has no token: nothing to sign")
    if not hmac.compare_digest(body.token.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "that is not this server's token")
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.set_cookie(
        auth.COOKIE_NAME,
        auth.cookie_value(expected),
        max_age=MAX_AGE_SECONDS,
        path="/",  # the API's paths too: the dashboard calls them with this cookie
        httponly=True,
        samesite="strict",
        # Loopback is plain http; behind a TLS proxy the cookie must never leave TLS.
        secure=request.url.scheme == "https",
    )
    return response


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(marker: DashboardHeader = None) -> Response:
    _require_dashboard_header(marker)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(auth.COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return response
