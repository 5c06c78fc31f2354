"""The SKUs, plans and SKU-plan links an export shows and the catalog lacks.

Nothing is renamed or removed here: the catalog importer owns names and links; an export only
fills the gaps, so that its subscriptions and assignments have rows to point to."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, insert, select

from licensehub.importers.graph.batches import CHUNK, batched
from licensehub.importers.graph.check import Checked
from licensehub.ledger.tables import service_plans, sku_service_plans, skus
from licensehub.ledger.writes import ensure_service_plan, ensure_sku
from licensehub.partner_center.plan_bodies import write_plan_bodies


def update_catalog(connection: Connection, checked: Checked) -> None:
    """Create the SKUs and plans the catalog lacks; add the SKU-plan links servicePlans show."""
    listed = checked.skus or []
    sku_names = {sku: str(sku) for sku in checked.held_skus}
    sku_names.update({sku.sku_id: sku.part_number for sku in listed})
    plan_names = {plan: (str(plan), "User") for plan in checked.disabled_plans}
    plan_names.update({plan: (name, to) for sku in listed for plan, name, to in sku.plans})
    known_skus = set(existing(connection, skus.c.sku_id, sku_names))
    for sku_id in sku_names.keys() - known_skus:
        ensure_sku(connection, sku_id, sku_names[sku_id])
    known_plans = set(existing(connection, service_plans.c.service_plan_id, plan_names))
    for plan_id in plan_names.keys() - known_plans:
        ensure_service_plan(connection, plan_id, *plan_names[plan_id])
    links = {(sku.sku_id, plan[0]) for sku in listed for plan in sku.plans}
    missing = links - set(links_of(connection, (sku.sku_id for sku in listed)))
    if missing:
        rows = [{"sku_id": sku, "service_plan_id": plan} for sku, plan in missing]
        connection.execute(insert(sku_service_plans), rows)
    write_plan_bodies(connection)  # the SKUs whose plans changed (plan_bodies.py)


def existing(connection: Connection, column: Any, ids: Iterable[uuid.UUID]) -> Iterator[Any]:
    for chunk in batched(ids, CHUNK):
        yield from connection.execute(select(column).where(column.in_(chunk))).scalars()


def links_of(
    connection: Connection, sku_ids: Iterable[uuid.UUID]
) -> Iterator[tuple[uuid.UUID, uuid.UUID]]:
    link = sku_service_plans.c
    for chunk in batched(sku_ids, CHUNK):
        query = select(link.sku_id, link.service_plan_id).where(link.sku_id.in_(chunk))
        yield from connection.execute(query)
