"""The Live Platform's /api/v3 answers errors as problem details (ASP.NET Core's default)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from licensehub.kit.errors import ApiError

STATUS_TYPES = {
    400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    401: "https://tools.ietf.org/html/rfc9110#section-15.5.2",
    403: "https://tools.ietf.org/html/rfc9110#section-15.5.4",
    404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    405: "https://tools.ietf.org/html/rfc9110#section-15.5.6",
    406: "https://tools.ietf.org/html/rfc9110#section-15.5.7",
}


def live_platform_error(request: Request, error: ApiError) -> Response:
    body = {
        "type": STATUS_TYPES.get(error.status_code, "about:blank"),
        "title": error.title,
        "status": error.status_code,
        "detail": error.message,
        "traceId": request.scope.get("state", {}).get("correlation_id"),
    }
    if error.details:
        body["errors"] = error.details
    return JSONResponse(body, status_code=error.status_code, media_type="application/problem+json")
