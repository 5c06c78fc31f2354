"""The Partner Center APIs' reads of the ledger, each starting from the tenant scope."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, and_, func, select

from licensehub.auth.tenant_scope import TenantScope
from licensehub.ledger.tables import (
    assignment_disabled_plans,
    license_assignments,
    service_plans,
    sku_service_plans,
    skus,
    subscriptions,
    tenants,
    users,
)


def customers(connection: Connection, scope: TenantScope, size: int) -> tuple[int, list[Row[Any]]]:
    visible = scope.tenants().subquery()
    total = connection.execute(select(func.count()).select_from(visible)).scalar_one()
    rows = connection.execute(
        select(visible).order_by(visible.c.name, visible.c.tenant_id).limit(size)
    ).all()
    return total, list(rows)


def customer(connection: Connection, scope: TenantScope, tenant_id: uuid.UUID) -> Row[Any] | None:
    return connection.execute(scope.tenants().where(tenants.c.tenant_id == tenant_id)).first()


def user(connection: Connection, tenant_row_id: int, user_id: str) -> Row[Any] | None:
    """A current user of the tenant by object id, or by userPrincipalName in any case."""
    try:
        matches = users.c.object_id == uuid.UUID(user_id)
    except ValueError:
        matches = func.lower(users.c.user_principal_name) == user_id.lower()
    return connection.execute(
        select(users).where(
            users.c.tenant_id == tenant_row_id, matches, users.c.deleted_at.is_(None)
        )
    ).first()


def plans_of(
    connection: Connection, sku_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[Row[Any]]]:
    rows = connection.execute(
        select(sku_service_plans.c.sku_id, service_plans)
        .join(service_plans, service_plans.c.service_plan_id == sku_service_plans.c.service_plan_id)
        .where(sku_service_plans.c.sku_id.in_(list(sku_ids)))
        .order_by(sku_service_plans.c.sku_id, service_plans.c.service_name)
    ).all()
    by_sku: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        by_sku[row.sku_id].append(row)
    return by_sku


def user_licenses(
    connection: Connection, user_row_id: int, groups: Sequence[str]
) -> list[tuple[Row[Any], list[Row[Any]], set[uuid.UUID]]]:
    """The user's current licenses in these groups: (sku, its plans, the plans disabled)."""
    held = connection.execute(
        select(license_assignments.c.id.label("assignment_id"), skus)
        .join(skus, skus.c.sku_id == license_assignments.c.sku_id)
        .where(
            license_assignments.c.user_id == user_row_id,
            license_assignments.c.valid_to.is_(None),
            skus.c.license_group.in_(list(groups)),
        )
        .order_by(skus.c.product_name, skus.c.sku_id)
    ).all()
    disabled: dict[int, set[uuid.UUID]] = defaultdict(set)
    for assignment_id, plan_id in connection.execute(
        select(assignment_disabled_plans).where(
            assignment_disabled_plans.c.assignment_id.in_([row.assignment_id for row in held])
        )
    ):
        disabled[assignment_id].add(plan_id)
    plans = plans_of(connection, [row.sku_id for row in held])
    return [(row, plans[row.sku_id], disabled[row.assignment_id]) for row in held]


def subscribed_skus(
    connection: Connection, tenant_row_id: int, groups: Sequence[str]
) -> list[tuple[Row[Any], list[Row[Any]]]]:
    """The tenant's current seats per SKU, with how many are assigned now."""
    consumed = (
        select(license_assignments.c.sku_id, func.count().label("consumed"))
        .where(
            license_assignments.c.tenant_id == tenant_row_id,
            license_assignments.c.valid_to.is_(None),
        )
        .group_by(license_assignments.c.sku_id)
        .subquery()
    )
    rows = connection.execute(
        select(subscriptions, skus, func.coalesce(consumed.c.consumed, 0).label("consumed"))
        .join(skus, skus.c.sku_id == subscriptions.c.sku_id)
        .outerjoin(consumed, consumed.c.sku_id == subscriptions.c.sku_id)
        .where(
            and_(
                subscriptions.c.tenant_id == tenant_row_id,
                subscriptions.c.valid_to.is_(None),
                skus.c.license_group.in_(list(groups)),
            )
        )
        .order_by(skus.c.product_name, skus.c.sku_id)
    ).all()
    plans = plans_of(connection, [row.sku_id for row in rows])
    return [(row, plans[row.sku_id]) for row in rows]
