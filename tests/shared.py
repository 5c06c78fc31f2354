"""The reference material in ../shared/, when this checkout has it beside it.

CI has it; a user's fresh clone may not, so every test that reads it has a fallback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from pydantic import TypeAdapter

SHARED = Path(__file__).resolve().parents[2] / "shared"


def recorded(relative: str) -> Any | None:
    """A recorded JSON response from shared/data, or None when shared/ is absent."""
    path = SHARED / "data" / relative
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8-sig"))


def model_written(model: Any, data: Any, **dump: Any) -> bytes:
    """What `model` (a type pydantic reads) writes, by alias, for the JSON value `data`, read
    strictly: a body built by hand must equal it byte for byte."""
    adapter: TypeAdapter[Any] = TypeAdapter(model)
    return adapter.dump_json(adapter.validate_python(data, strict=True), by_alias=True, **dump)


def asgi_client(app: object, headers: dict[str, str]) -> httpx.AsyncClient:
    """A client of the app on the test's own event loop (TestClient's portal)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://testserver",
        headers=headers,
    )
