"""The tenant's current users and assignments, read up front in two queries.

This is what an import holds in memory: one small entry per user and per assignment, with
equal SKU ids and disabled-plan sets shared, so memory grows with the tenant, never the files."""

from __future__ import annotations

import uuid
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from licensehub.ledger.tables import assignment_disabled_plans, license_assignments, users


class KnownUser(NamedTuple):
    row_id: int
    upn: str
    display_name: str | None
    enabled: bool
    deleted: bool


class Held(NamedTuple):
    assignment_id: int
    disabled: frozenset[uuid.UUID]


def load_users(connection: Connection, tenant: int) -> dict[int, KnownUser]:
    """By the object id's int, as the spool keeps it."""
    u = users.c
    query = select(
        u.object_id, u.id, u.user_principal_name, u.display_name, u.account_enabled, u.deleted_at
    ).where(u.tenant_id == tenant)
    return {
        row.object_id.int: KnownUser(*row[1:5], deleted=row.deleted_at is not None)
        for row in connection.execute(query)
    }


def load_assignments(connection: Connection, tenant: int) -> dict[tuple[int, uuid.UUID], Held]:
    """The tenant's current assignments; equal SKU ids and disabled sets share one object."""
    la, adp = license_assignments.c, assignment_disabled_plans.c
    query = (
        select(la.id, la.user_id, la.sku_id, adp.service_plan_id)
        .outerjoin(assignment_disabled_plans, adp.assignment_id == la.id)
        .where(la.tenant_id == tenant, la.valid_to.is_(None))
        .order_by(la.id)
    )
    shared: dict[Any, Any] = {}
    held = {}
    for (assignment_id, user_id, sku_id), rows in groupby(
        connection.execute(query), itemgetter(0, 1, 2)
    ):
        plans = frozenset(row.service_plan_id for row in rows if row.service_plan_id is not None)
        key = (user_id, shared.setdefault(sku_id, sku_id))
        held[key] = Held(assignment_id, shared.setdefault(plans, plans))
    return held
