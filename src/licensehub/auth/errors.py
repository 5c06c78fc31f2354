"""RFC 6749's error body for /oauth2/token: ``{"error", "error_description"}``."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from licensehub.kit.errors import ApiError

OAUTH_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "slow_down",  # RFC 8628 3.5: the client must wait before trying again
}
BY_STATUS = {400: "invalid_request", 401: "invalid_client"}


def oauth_error(request: Request, error: ApiError) -> Response:
    code = (
        error.code if error.code in OAUTH_ERRORS else BY_STATUS.get(error.status_code, error.code)
    )
    return JSONResponse(
        {"error": code, "error_description": error.message},
        status_code=error.status_code,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
