"""Small writes several importers share: make sure a tenant, a SKU or a service plan exists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from licensehub.ledger.tables import service_plans, skus, tenants


class UnknownTenant(LookupError):
    """A tenant the ledger does not know, and no partner to create it under."""


def ensure_tenant(
    connection: Connection,
    tenant_id: uuid.UUID,
    *,
    name: str | None,
    partner_id: int | None,
    now: datetime,
) -> tuple[int, bool]:
    """The tenant's row id, creating the tenant under `partner_id` when it is new."""
    found = connection.execute(
        select(tenants.c.id).where(tenants.c.tenant_id == tenant_id)
    ).scalar()
    if found is not None:
        return int(found), False
    if partner_id is None:
        raise UnknownTenant(
            f"tenant {tenant_id} is not in the ledger; give --partner to create it under a partner"
        )
    row_id = connection.execute(
        insert(tenants)
        .values(
            tenant_id=tenant_id,
            partner_id=partner_id,
            name=name or str(tenant_id),
            created_at=now,
            updated_at=now,
        )
        .returning(tenants.c.id)
    ).scalar_one()
    return int(row_id), True


def ensure_sku(connection: Connection, sku_id: uuid.UUID, part_number: str) -> bool:
    """A SKU the catalog has not named yet keeps its skuPartNumber as its name. True if new."""
    if connection.execute(select(skus.c.sku_id).where(skus.c.sku_id == sku_id)).first():
        return False
    connection.execute(
        insert(skus).values(sku_id=sku_id, sku_part_number=part_number, product_name=part_number)
    )
    return True


def ensure_service_plan(
    connection: Connection, plan_id: uuid.UUID, service_name: str, target_type: str = "User"
) -> bool:
    """A plan the catalog has not named yet keeps its service name as its name. True if new."""
    existing = connection.execute(
        select(service_plans.c.service_name).where(service_plans.c.service_plan_id == plan_id)
    ).first()
    if existing is not None:
        return False
    connection.execute(
        insert(service_plans).values(
            service_plan_id=plan_id,
            service_name=service_name,
            display_name=service_name,
            target_type=target_type,
        )
    )
    return True


def update_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Set `columns` on many rows at once (one executemany): each row is its `id` and the new
    values by column name."""
    if not rows:
        return
    # Bind names must differ from column names: SQLAlchemy reserves those for SET itself.
    connection.execute(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"new_{name}") for name in columns}),
        [{"row_id": row["id"], **{f"new_{name}": row[name] for name in columns}} for row in rows],
    )
