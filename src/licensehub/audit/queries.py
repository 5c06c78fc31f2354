"""Reading the audit trail, newest first: shared by GET /audit and `licensehub audit`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, select

from licensehub.ledger.tables import audit_events


def as_utc(moment: datetime) -> datetime:
    """A time given without a zone is UTC, as every time in the ledger is."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class AuditQuery:
    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    before: int | None = None  # an event id: the page after the one that ended there
    limit: int = 100

    def select(self) -> Select[Any]:
        query = select(audit_events)
        column = audit_events.c
        conditions = (
            (self.since, lambda v: column.at >= as_utc(v)),
            (self.until, lambda v: column.at < as_utc(v)),
            (self.actor, lambda v: column.actor == v),
            # "import" matches import.graph, import.usage...; "import.graph" just that one.
            (self.action, lambda v: (column.action == v) | column.action.startswith(f"{v}.")),
            (self.outcome, lambda v: column.outcome == v),
            (self.before, lambda v: column.id < v),
        )
        for value, condition in conditions:
            if value is not None:
                query = query.where(condition(value))
        return query.order_by(column.id.desc()).limit(self.limit)


def audit_events_matching(connection: Connection, query: AuditQuery) -> list[Row[Any]]:
    return list(connection.execute(query.select()).all())
