"""Which ledger tenant an export is about: found or created, and only within the caller's scope."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, func, select

from licensehub.importers.base import ImportRefused, ImportRequest
from licensehub.importers.graph.check import Checked
from licensehub.ledger.tables import license_assignments, subscriptions, tenants
from licensehub.ledger.writes import ensure_tenant


def resolve_tenant(connection: Connection, request: ImportRequest, checked: Checked) -> int:
    """The tenant's row id, created when new; refused outside the caller's scope."""
    row_id = connection.execute(
        select(tenants.c.id).where(tenants.c.tenant_id == checked.tenant)
    ).scalar()
    if row_id is None:
        row_id, _ = ensure_tenant(
            connection,
            checked.tenant,
            name=request.options.get("tenant_name") or checked.domain,
            partner_id=partner_for_new_tenant(request, checked.tenant),
            now=request.now,
        )
    scoped = tenants.c.id == row_id, request.scope.restrict(tenants.c.id)
    if connection.execute(select(tenants.c.id).where(*scoped)).first() is None:
        raise ImportRefused(not_yours(checked.tenant))
    return int(row_id)


def partner_for_new_tenant(request: ImportRequest, tenant: uuid.UUID) -> int:
    principal = request.principal
    if principal is None or principal.kind == "operator":
        if request.partner_id is None:
            raise ImportRefused(
                f"tenant {tenant} is not in the ledger; give --partner to create it under one"
            )
        return request.partner_id
    if principal.kind == "partner" and request.partner_id in (None, principal.partner_id):
        assert principal.partner_id is not None
        return principal.partner_id
    raise ImportRefused(not_yours(tenant))


def not_yours(tenant: uuid.UUID) -> str:
    """One answer for a tenant of someone else's and one that does not exist, so that no
    one learns by importing which tenants the ledger holds."""
    return f"tenant {tenant} is not in the ledger, and you may not create it there"


def refuse_if_ledger_is_newer(connection: Connection, tenant: int, now: datetime) -> None:
    """Versions must follow one another in time: an import may not slip in before the
    tenant's latest change (Graph exports carry no date of their own, so the newest file
    imported is the tenant's state)."""
    for table in (subscriptions, license_assignments):
        latest = connection.execute(
            select(func.max(table.c.valid_from)).where(table.c.tenant_id == tenant)
        ).scalar()
        if latest is not None and latest > now:
            raise ImportRefused(
                f"the ledger holds this tenant's state as of {latest.isoformat()}, "
                f"later than this import ({now.isoformat()})"
            )
