"""A subscribedSkus export written as versions: a changed subscription is closed and reopened,
one the export no longer lists is closed, an unchanged one is left alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from licensehub.importers.base import Counts
from licensehub.importers.graph.batches import close
from licensehub.importers.graph.formats import SubscribedSku
from licensehub.ledger.tables import subscriptions


def replace_subscriptions(
    connection: Connection, tenant: int, listed: list[SubscribedSku], now: datetime
) -> Counts:
    counts, s = Counts(), subscriptions.c
    query = select(
        s.id,
        s.sku_id,
        s.enabled_units,
        s.suspended_units,
        s.warning_units,
        s.locked_out_units,
        s.capability_status,
    )
    current = {
        row.sku_id: (row.id, tuple(row[2:6]), row.capability_status)
        for row in connection.execute(query.where(s.tenant_id == tenant, s.valid_to.is_(None)))
    }
    to_close, to_insert = [], []
    for sku in listed:
        found = current.pop(sku.sku_id, None)
        if found is not None and found[1:] == (sku.units, sku.status):
            continue
        if found is not None:
            to_close.append(found[0])
        to_insert.append(subscription_row(tenant, sku, now))
    gone = [found[0] for found in current.values()]
    close(connection, subscriptions, to_close + gone, now)
    if to_insert:
        connection.execute(insert(subscriptions), to_insert)
    counts.created, counts.updated = len(to_insert) - len(to_close), len(to_close)
    counts.removed = len(gone)
    return counts


def subscription_row(tenant: int, sku: SubscribedSku, now: datetime) -> dict[str, Any]:
    enabled, suspended, warning, locked_out = sku.units
    return {
        "tenant_id": tenant,
        "sku_id": sku.sku_id,
        "enabled_units": enabled,
        "suspended_units": suspended,
        "warning_units": warning,
        "locked_out_units": locked_out,
        "capability_status": sku.status,
        "valid_from": now,
    }
