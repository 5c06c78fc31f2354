"""Rows a test adds to a shared ledger inside a transaction it rolls back."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert

from licensehub.ledger.tables import partners, tenants


def tenants_of_a_partner(connection: Connection, count: int) -> list[int]:
    """`count` new tenants of a new partner: their row ids, in the order made."""
    partner = connection.execute(insert(partners).values(name="P").returning(partners.c.id))
    partner_id = partner.scalar_one()
    made = connection.execute(
        insert(tenants).returning(tenants.c.id, sort_by_parameter_order=True),
        [
            {"tenant_id": uuid.uuid4(), "partner_id": partner_id, "name": f"T{n}"}
            for n in range(count)
        ],
    )
    return [int(row_id) for row_id in made.scalars()]


def a_tenant(connection: Connection) -> int:
    """A new tenant of a new partner: its row id."""
    return tenants_of_a_partner(connection, 1)[0]


def usage_row(tenant: int, day: date, workload: str = "EXO", **fields: Any) -> dict[str, Any]:
    """A license_usage row of the tenant's (a row id) for one day and workload; `fields`
    overrides any other column."""
    return {
        "processed_date": day,
        "tenant_id": tenant,
        "product_id": uuid.UUID(int=1),
        "workload_code": workload,
        "workload_name": f"{workload} name",
        "service_code": workload,
        "service_name": f"{workload} service",
        "channel": "Reseller",
        "customer_name": f"Customer {tenant}",
        "product_name": "Microsoft 365 E5",
        "licenses_active": 1,
        "licenses_qualified": 2,
    } | fields
