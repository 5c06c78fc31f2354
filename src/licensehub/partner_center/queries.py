"""The Partner Center APIs' reads of the ledger, each starting from the tenant scope."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Row, func, select

from licensehub.auth.scope import TenantScope
from licensehub.ledger.tables import tenants


def customers(connection: Connection, scope: TenantScope, size: int) -> tuple[int, list[Row[Any]]]:
    visible = scope.tenants().subquery()
    total = connection.execute(select(func.count()).select_from(visible)).scalar_one()
    rows = connection.execute(
        select(visible).order_by(visible.c.name, visible.c.tenant_id).limit(size)
    ).all()
    return total, list(rows)


def customer(connection: Connection, scope: TenantScope, tenant_id: uuid.UUID) -> Row[Any] | None:
    return connection.execute(scope.tenants().where(tenants.c.tenant_id == tenant_id)).first()
