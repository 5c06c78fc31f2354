"""The Veeam Backup for Microsoft 365 v6 endpoints licensehub serves."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from licensehub.audit.middleware import note
from licensehub.auth.grants import InvalidGrant, password_grant, refresh_grant
from licensehub.auth.scope import app_keys, public
from licensehub.auth.throttle import Throttled
from licensehub.kit.clock import Now
from licensehub.kit.dependencies import DatabaseSlot
from licensehub.kit.errors import (
    InvalidParameter,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
)
from licensehub.veeam.schemas import OAuthTokenResponse, RESTExceptionInfo, TokenRequest

router = APIRouter(tags=["Veeam Backup for Microsoft 365"])

TOKEN_BODY = {
    "required": True,
    "content": {
        media: {"schema": TokenRequest.model_json_schema()}
        for media in ("application/x-www-form-urlencoded", "application/json")
    },
}


async def token_request(request: Request) -> TokenRequest:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw: Any
    try:
        if media == "application/json":
            raw = await request.json()
        elif media in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raw = dict(await request.form())
        else:
            raise UnsupportedMediaType(
                "Send the token request as application/x-www-form-urlencoded or application/json."
            )
        return TokenRequest.model_validate(raw)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) or "body" for e in exc.errors())
        raise InvalidParameter(f"Invalid token request: {fields}.") from None
    except ValueError:
        raise InvalidParameter("The token request body is not valid JSON.") from None


@router.post(
    "/v6/token",
    dependencies=[DatabaseSlot],
    response_model=OAuthTokenResponse,
    response_model_by_alias=True,
    summary="Get a token (password or refresh_token grant)",
    openapi_extra={"requestBody": TOKEN_BODY},
    responses={
        400: {"model": RESTExceptionInfo},
        401: {"model": RESTExceptionInfo},
        415: {"model": RESTExceptionInfo},
        429: {"model": RESTExceptionInfo, "description": "Too many failed sign-ins"},
    },
)
@public("how a Veeam client signs in")
def token(
    request: Request,
    now: Now,
    body: Annotated[TokenRequest, Depends(token_request)],
) -> JSONResponse:
    keys, engine = app_keys(request), request.app.state.engine
    lifetime = timedelta(seconds=request.app.state.settings.token_lifetime_seconds)
    note(request, action=f"token.{body.grant_type}"[:64], actor=body.username)
    try:
        if body.grant_type == "password":
            if not body.username or body.password is None:
                raise InvalidParameter("username and password are required.")
            tokens = password_grant(engine, keys, body.username, body.password, lifetime, now)
        elif body.grant_type == "refresh_token":
            if not body.refresh_token:
                raise InvalidParameter("refresh_token is required.")
            tokens = refresh_grant(engine, keys, body.refresh_token, lifetime)
        else:
            raise InvalidParameter(f"grant_type {body.grant_type} is not supported.")
    except Throttled as exc:
        raise TooManyRequests(exc.message, headers={"Retry-After": str(exc.retry_after)}) from None
    except InvalidGrant as exc:
        raise Unauthorized(str(exc)) from None
    request.state.principal = tokens.principal
    assert tokens.refresh_token is not None
    response = OAuthTokenResponse.model_validate(
        {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "token_type": "bearer",
            "expires_in": tokens.expires_in,
            "userName": tokens.principal.name,
            ".issued": tokens.issued_at,
            ".expires": tokens.expires_at,
        }
    )
    return JSONResponse(
        response.model_dump(mode="json", by_alias=True),
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
