"""Each SKU's copy of its service plans (skus.plans_body) against the plans as a lookup
writes them out of the catalog's rows now."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, func, select

from licensehub.ledger.tables import skus
from licensehub.partner_center.plan_bodies import ENABLED, SKU_PLANS, sku_plans


def copies(connection: Connection) -> dict[uuid.UUID, str | None]:
    rows = connection.execute(select(skus.c.sku_id, skus.c.plans_body)).all()
    return {sku: body for sku, body in rows}


def written_out(connection: Connection) -> dict[uuid.UUID, str]:
    plans: Any = func.coalesce(sku_plans(skus.c.sku_id, skus, SKU_PLANS, ENABLED), "")
    return {sku: body for sku, body in connection.execute(select(skus.c.sku_id, plans)).all()}


def copies_hold(connection: Connection) -> bool:
    """Every SKU has its copy, and it is its plans as they are."""
    return copies(connection) == written_out(connection)
