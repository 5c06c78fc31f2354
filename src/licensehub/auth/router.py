"""POST /oauth2/token: API clients sign in with their client id and secret (RFC 6749 4.4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel

from licensehub.audit.middleware import note
from licensehub.auth.grants import InvalidGrant, client_credentials_grant
from licensehub.auth.scope import app_keys, public
from licensehub.auth.throttle import Throttled
from licensehub.auth.tokens import scope_of
from licensehub.kit.clock import Now
from licensehub.kit.dependencies import DatabaseSlot
from licensehub.kit.errors import ApiError, InvalidParameter, TooManyRequests

PREFIXES = ("/oauth2",)

router = APIRouter(tags=["authentication"])
basic = HTTPBasic(auto_error=False, description="client_id and client_secret, as HTTP Basic")

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str


def token_lifetime(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.token_lifetime_seconds)


@router.post(
    "/oauth2/token",
    dependencies=[DatabaseSlot],
    response_model=AccessToken,
    summary="Get a token for an API client (client_credentials)",
    responses={
        400: {"description": "Malformed request"},
        401: {"description": "Bad client"},
        429: {"description": "Too many failed sign-ins"},
    },
)
@public("how an API client gets its token")
def oauth2_token(
    request: Request,
    now: Now,
    grant_type: Annotated[str, Form()],
    basic_credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)],
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    note(request, action=f"token.{grant_type}"[:64])
    if grant_type != "client_credentials":
        raise InvalidParameter(
            f"grant_type {grant_type!r} is not supported here; use client_credentials",
            code="unsupported_grant_type",
        )
    if basic_credentials is not None:
        client_id, client_secret = basic_credentials.username, basic_credentials.password
    if not client_id or not client_secret:
        raise InvalidParameter("client_id and client_secret are required")
    note(request, actor=client_id)
    try:
        tokens = client_credentials_grant(
            request.app.state.engine,
            app_keys(request),
            client_id,
            client_secret,
            token_lifetime(request),
            now,
        )
    except Throttled as exc:
        raise TooManyRequests(
            exc.message, code="slow_down", headers={"Retry-After": str(exc.retry_after)}
        ) from None
    except InvalidGrant as exc:
        raise ApiError(
            str(exc),
            status_code=401,
            code="invalid_client",
            headers={"WWW-Authenticate": 'Basic realm="licensehub"'},
        ) from None
    request.state.principal = tokens.principal
    body = AccessToken(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        scope=scope_of(tokens.principal),
    )
    return JSONResponse(body.model_dump(), headers=NO_STORE)
