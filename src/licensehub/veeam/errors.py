"""Veeam's error body: RESTExceptionInfo, ``{"message": ...}``."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from licensehub.kit.errors import ApiError
from licensehub.kit.responses import json_response


class VeeamJSON(JSONResponse):
    """Veeam's page: `Content-type: application/json; charset=utf-8`."""

    media_type = "application/json; charset=utf-8"


def veeam_json(content: BaseModel | Sequence[BaseModel]) -> Response:
    """A body the endpoint serialized itself (kit/responses.py), in Veeam's content type."""
    return json_response(content, VeeamJSON.media_type)


def veeam_error(request: Request, error: ApiError) -> Response:
    return VeeamJSON({"message": error.message}, status_code=error.status_code)
