"""Audit events and where they are kept. Each is written in a transaction of its own, after
the work it describes, so that a write that rolled back still leaves its record."""

from __future__ import annotations

import getpass
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import structlog
from sqlalchemy import Connection, Engine, insert
from sqlalchemy.exc import SQLAlchemyError

from licensehub.ledger.database import write_transaction
from licensehub.ledger.tables import audit_events
from licensehub.ledger.tables.base import utcnow

Outcome = Literal["succeeded", "refused", "failed"]

log = structlog.get_logger("licensehub.audit")

LIMITS = {"actor": 256, "action": 64, "target": 1024, "correlation_id": 128}


@dataclass(frozen=True)
class AuditEvent:
    actor: str
    action: str
    target: str
    outcome: Outcome
    principal_id: int | None = None
    correlation_id: str | None = None
    status: int | None = None
    detail: str | None = None
    at: datetime = field(default_factory=utcnow)

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "at": self.at,
            "principal_id": self.principal_id or None,  # 0: the CLI's stand-in operator
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "correlation_id": self.correlation_id,
            "outcome": self.outcome,
            "status": self.status,
            "detail": self.detail,
        }
        for name, limit in LIMITS.items():
            if isinstance(row[name], str):
                row[name] = row[name][:limit]
        return row


def outcome_of(status: int) -> Outcome:
    if status < 400:
        return "succeeded"
    return "refused" if status < 500 else "failed"


def record_in(connection: Connection, event: AuditEvent) -> None:
    connection.execute(insert(audit_events).values(event.row()))


def record(engine: Engine, event: AuditEvent) -> None:
    """Keep the event; a ledger that cannot take it is logged, never raised: the request
    it describes has already been answered."""
    try:
        with write_transaction(engine) as connection:
            record_in(connection, event)
    except SQLAlchemyError:
        log.exception("audit event not recorded", **event.row() | {"at": event.at.isoformat()})


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# One id per CLI run, as a request has one.
CLI_RUN = f"cli-{uuid.uuid4()}"


def cli_event(action: str, target: str, outcome: Outcome, detail: str | None = None) -> AuditEvent:
    """An event of a CLI command: the operating-system user did it, as an operator."""
    return AuditEvent(cli_actor(), action, target, outcome, correlation_id=CLI_RUN, detail=detail)
