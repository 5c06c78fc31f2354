"""Each SKU's copy of its service plans (skus.plans_body) against the plans as a lookup
writes them out of the catalog's rows now."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, select

from licensehub.ledger.tables import skus
from licensehub.partner_center.plan_bodies import AS_COPIED


def copies(connection: Connection) -> dict[uuid.UUID, str | None]:
    rows = connection.execute(select(skus.c.sku_id, skus.c.plans_body)).all()
    return {sku: body for sku, body in rows}


def written_out(connection: Connection) -> dict[uuid.UUID, str]:
    rows = connection.execute(select(skus.c.sku_id, AS_COPIED)).all()
    return {sku: body for sku, body in rows}


def copies_hold(connection: Connection) -> bool:
    """Every SKU has its copy, and it is its plans as they are."""
    return copies(connection) == written_out(connection)
