"""The tenant's current users and assignments, read up front in two queries.

This is what an import holds in memory: one small entry per user and per assignment, SKUs and
disabled-plan sets as the spool's numbers, so memory grows with the tenant, never the files."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

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
    disabled: int  # the disabled-plan set's number


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


def load_assignments(
    connection: Connection,
    tenant: int,
    sku_number: Callable[[uuid.UUID], int],
    set_number: Callable[[frozenset[uuid.UUID]], int],
) -> dict[tuple[int, int], Held]:
    """The tenant's current assignments, by (user row id, SKU number): numbered as the spool
    numbers the export's, so that the two compare as ints, not UUIDs hashed in Python."""
    la, adp = license_assignments.c, assignment_disabled_plans.c
    query = (
        select(la.id, la.user_id, la.sku_id, adp.service_plan_id)
        .outerjoin(assignment_disabled_plans, adp.assignment_id == la.id)
        .where(la.tenant_id == tenant, la.valid_to.is_(None))
        .order_by(la.id)
    )
    held = {}
    for (assignment_id, user_id, sku_id), rows in groupby(
        connection.execute(query), itemgetter(0, 1, 2)
    ):
        plans = frozenset(row.service_plan_id for row in rows if row.service_plan_id is not None)
        held[(user_id, sku_number(sku_id))] = Held(assignment_id, set_number(plans))
    return held
