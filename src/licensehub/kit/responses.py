"""Answers that an endpoint serializes itself, in the worker thread it already runs in.

FastAPI validates and serializes what a plain-`def` endpoint returns in one more trip to the
thread pool; a Response returned as it is skips that trip. The routes keep their
`response_model`, so the OpenAPI document still describes the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pydantic_core
from fastapi.responses import Response
from pydantic import BaseModel


def json_response(
    content: BaseModel | Sequence[BaseModel] | dict[str, Any] | list[dict[str, Any]],
    media_type: str = "application/json",
    status_code: int = 200,
) -> Response:
    """The models (or a body of plain dicts and lists) as FastAPI would have written them:
    by alias, compact UTF-8 JSON."""
    return Response(
        pydantic_core.to_json(content, by_alias=True),
        status_code=status_code,
        media_type=media_type,
    )
