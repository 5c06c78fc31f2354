"""Veeam's error body: RESTExceptionInfo, ``{"message": ...}``."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from licensehub.kit.errors import ApiError


def veeam_error(request: Request, error: ApiError) -> Response:
    return JSONResponse({"message": error.message}, status_code=error.status_code)
