"""Typed API errors, and one place that turns them into each vendor's own error body.

Endpoints raise ApiError subclasses and never build error responses themselves. Each vendor
API registers an ErrorStyle for its path prefix; a request outside every vendor prefix gets
RFC 9457 problem details.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    status_code: int = 500
    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        details: Sequence[dict[str, Any]] = (),
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)
        self.headers = dict(headers or {})
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code

    @property
    def title(self) -> str:
        return HTTPStatus(self.status_code).phrase


class InvalidParameter(ApiError):
    status_code = 400
    code = "invalid_parameter"


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"


class NotFound(ApiError):
    status_code = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    status_code = 405
    code = "method_not_allowed"


class NotAcceptable(ApiError):
    status_code = 406
    code = "not_acceptable"


class Conflict(ApiError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(ApiError):
    status_code = 413
    code = "payload_too_large"


class UriTooLong(ApiError):
    status_code = 414
    code = "uri_too_long"


class UnsupportedMediaType(ApiError):
    status_code = 415
    code = "unsupported_media_type"


class TooManyRequests(ApiError):
    status_code = 429
    code = "too_many_requests"


class HeadersTooLarge(ApiError):
    status_code = 431
    code = "request_header_fields_too_large"


class ServiceUnavailable(ApiError):
    status_code = 503
    code = "service_unavailable"


ErrorStyle = Callable[[Request, ApiError], Response]


class ProblemDetails(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    traceId: str | None = None
    errors: list[dict[str, Any]] | None = None


PROBLEM_DETAILS_REF = f"#/components/schemas/{ProblemDetails.__name__}"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI declaration of error answers as problem_details (below) sends them: problem
    details, served as application/problem+json (the model also registers the component)."""
    content = {"application/problem+json": {"schema": {"$ref": PROBLEM_DETAILS_REF}}}
    return {status: {"model": ProblemDetails, "content": content} for status in statuses}


def problem_details(request: Request, error: ApiError) -> Response:
    """RFC 9457 problem details: licensehub's own endpoints and unknown paths."""
    body: dict[str, Any] = {
        "type": f"urn:licensehub:error:{error.code}",
        "title": error.title,
        "status": error.status_code,
        "detail": error.message,
    }
    if error.details:
        body["errors"] = error.details
    return JSONResponse(body, status_code=error.status_code, media_type="application/problem+json")


@dataclass
class ErrorStyles:
    """Which error body answers which path prefix (matched case-insensitively)."""

    default: ErrorStyle = problem_details
    by_prefix: list[tuple[str, ErrorStyle]] = field(default_factory=list)

    def register(self, prefix: str, style: ErrorStyle) -> None:
        self.by_prefix.append((prefix.lower().rstrip("/") + "/", style))
        # Longest prefix first, so /partner/v1/analytics can differ from /partner/v1.
        self.by_prefix.sort(key=lambda item: len(item[0]), reverse=True)

    def for_path(self, path: str) -> ErrorStyle:
        lowered = path.lower()
        for prefix, style in self.by_prefix:
            if lowered.startswith(prefix):
                return style
        return self.default


def validation_message(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    details = []
    for err in exc.errors():
        location = [str(part) for part in err.get("loc", ())]
        where = location[0] if location else "request"
        name = ".".join(location[1:]) or where
        details.append({"location": where, "name": name, "message": err.get("msg", "")})
    summary = "; ".join(f"{d['location']} parameter '{d['name']}': {d['message']}" for d in details)
    return f"Invalid request: {summary}", details


def render(request: Request, error: ApiError) -> Response:
    """The error in the body of the vendor whose path was asked for."""
    styles: ErrorStyles = request.app.state.error_styles
    response = styles.for_path(request.url.path)(request, error)
    response.headers.update(error.headers)
    return response


def install(app: FastAPI, styles: ErrorStyles) -> None:
    app.state.error_styles = styles

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return render(request, exc)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        # The vendors answer a bad parameter with 400, never FastAPI's 422.
        assert isinstance(exc, RequestValidationError)
        message, details = validation_message(exc)
        return render(request, InvalidParameter(message, details=details))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        error: ApiError
        if exc.status_code == 404:
            error = NotFound(f"No resource at {request.url.path}")
        elif exc.status_code == 405:
            error = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        else:
            error = ApiError(str(exc.detail), status_code=exc.status_code)
        error.headers.update(exc.headers or {})
        return render(request, error)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
