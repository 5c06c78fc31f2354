"""GET /audit: the audit trail, for operators only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Row

from licensehub.audit.queries import AuditQuery, audit_events_matching
from licensehub.auth.scope import CurrentPrincipal, unscoped
from licensehub.kit.dependencies import LedgerTurn
from licensehub.kit.errors import Forbidden, problem_responses
from licensehub.kit.responses import json_response

router = APIRouter(tags=["audit"])


class AuditRecord(BaseModel):
    id: int
    at: datetime
    actor: str
    principalId: int | None
    action: str
    target: str
    correlationId: str | None
    outcome: str
    status: int | None
    detail: str | None


def record_body(row: Row[Any]) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        actor=row.actor,
        principalId=row.principal_id,
        action=row.action,
        target=row.target,
        correlationId=row.correlation_id,
        outcome=row.outcome,
        status=row.status,
        detail=row.detail,
    )


@router.get(
    "/audit",
    response_model=list[AuditRecord],
    summary="Who changed what: writes, imports and tokens issued, newest first (operators)",
    responses=problem_responses(400, 401, 403),
)
@unscoped("the audit trail spans every tenant: operators only, checked in the endpoint")
def list_audit_events(
    turn: LedgerTurn,
    principal: CurrentPrincipal,
    since: Annotated[datetime | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[datetime | None, Query(description="Before this time.")] = None,
    actor: Annotated[str | None, Query(max_length=256)] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="e.g. import, import.graph, token")
    ] = None,
    outcome: Literal["succeeded", "refused", "failed"] | None = None,
    before: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="Events older than this id.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    if principal.kind != "operator":
        raise Forbidden("Only an operator may read the audit trail.")
    query = AuditQuery(since, until, actor, action, outcome, before, limit)
    with turn.reading() as ledger:
        records = [record_body(row) for row in audit_events_matching(ledger, query)]
    return json_response(records)
