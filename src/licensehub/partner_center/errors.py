"""Partner Center's error body: ``{"code", "description", "data", "source"}``."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from licensehub.kit.errors import ApiError

# Partner Center answers with numeric codes; these are the ones its REST error page lists
# for the statuses licensehub returns.
CODES = {400: 400, 401: 401, 403: 403, 404: 600008, 405: 405, 406: 406, 409: 409, 413: 413}


def partner_center_error(request: Request, error: ApiError) -> Response:
    body = {
        "code": CODES.get(error.status_code, error.status_code),
        "description": error.message,
        "data": [detail.get("message", "") for detail in error.details],
        "source": "licensehub",
    }
    return JSONResponse(body, status_code=error.status_code)
