"""Veeam's error body: RESTExceptionInfo, ``{"message": ...}``."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from licensehub.kit.errors import ApiError


class VeeamJSON(JSONResponse):
    """Veeam's page: `Content-type: application/json; charset=utf-8`."""

    media_type = "application/json; charset=utf-8"


def veeam_error(request: Request, error: ApiError) -> Response:
    return VeeamJSON({"message": error.message}, status_code=error.status_code)
