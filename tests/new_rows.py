"""Rows a test adds to a shared ledger inside a transaction it rolls back."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, insert

from licensehub.ledger.tables import partners, tenants


def a_tenant(connection: Connection) -> int:
    """A new tenant of a new partner: its row id."""
    partner = connection.execute(insert(partners).values(name="P").returning(partners.c.id))
    tenant = connection.execute(
        insert(tenants)
        .values(tenant_id=uuid.uuid4(), partner_id=partner.scalar_one(), name="T")
        .returning(tenants.c.id)
    )
    return int(tenant.scalar_one())
