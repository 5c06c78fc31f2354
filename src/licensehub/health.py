"""GET /health: is the service up, and can it reach its ledger at the current schema?"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from licensehub import __version__
from licensehub.auth.scope import public
from licensehub.ledger.migrate import current_revision, head_revision

router = APIRouter(tags=["service"])


@router.get("/health", summary="Service and ledger health")
@public("monitoring asks without a token; it reads no ledger data")
def health(request: Request) -> JSONResponse:
    engine = request.app.state.engine
    body: dict[str, Any] = {"status": "ok", "version": __version__}
    try:
        with engine.connect() as connection:
            schema = current_revision(connection)
    except SQLAlchemyError:
        body.update(status="unavailable", database="unreachable")
        return JSONResponse(body, status_code=503)
    body["database"] = engine.dialect.name
    body["schema"] = schema
    if schema != head_revision():
        body.update(
            status="unavailable", detail="ledger schema is not current: run `licensehub db upgrade`"
        )
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
