"""The Partner Center APIs' reads of the ledger, each starting from the tenant scope.

The point lookups' statements are built once: the customer, the user and the license groups
are bound parameters, and the principal's scope is one_tenant_restriction()'s, so that one
statement per kind of principal serves every request, without being built, keyed and looked
up in SQLAlchemy's cache of compiled SQL again (bench/HISTORY.md)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Row, Select, and_, bindparam, func, select

from licensehub.auth.tenant_scope import TenantScope, one_tenant_restriction
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
from licensehub.partner_center.guids import guid_text, unparsed_guid

CUSTOMER_ID: BindParameter[Any] = bindparam("customer_id")
USER_KEY: BindParameter[Any] = bindparam("user_key")
TENANT: BindParameter[Any] = bindparam("tenant")
USER: BindParameter[Any] = bindparam("user")
GROUPS: BindParameter[Any] = bindparam("groups", expanding=True)
SKU_IDS: BindParameter[Any] = bindparam("sku_ids", expanding=True)


def customers(connection: Connection, scope: TenantScope, size: int) -> tuple[int, list[Row[Any]]]:
    visible = scope.tenants().subquery()
    total = connection.execute(select(func.count()).select_from(visible)).scalar_one()
    rows = connection.execute(
        select(visible).order_by(visible.c.name, visible.c.tenant_id).limit(size)
    ).all()
    return total, list(rows)


@cache
def customer_statement(kind: str) -> Select[Any]:
    return select(tenants).where(
        one_tenant_restriction(kind, tenants.c.id), tenants.c.tenant_id == CUSTOMER_ID
    )


def customer(connection: Connection, scope: TenantScope, tenant_id: uuid.UUID) -> Row[Any] | None:
    statement = customer_statement(scope.principal.kind)
    return connection.execute(statement, scope.values(customer_id=tenant_id)).first()


@cache
def customer_user_statement(kind: str, by_object_id: bool) -> Select[Any]:
    matches = (
        users.c.object_id == USER_KEY
        if by_object_id
        else func.lower(users.c.user_principal_name) == USER_KEY
    )
    current_user = and_(users.c.tenant_id == tenants.c.id, matches, users.c.deleted_at.is_(None))
    return (
        select(tenants.c.id.label("tenant_row_id"), users.c.id.label("user_row_id"))
        .select_from(tenants.outerjoin(users, current_user))
        .where(one_tenant_restriction(kind, tenants.c.id), tenants.c.tenant_id == CUSTOMER_ID)
    )


def customer_user(
    connection: Connection, scope: TenantScope, tenant_id: uuid.UUID, user_id: str
) -> Row[Any] | None:
    """The customer's row id, if the principal may see it, with the row id of its current
    user by object id or by userPrincipalName in any case (None when it has no such user)."""
    key: uuid.UUID | str
    try:
        key = uuid.UUID(user_id)
    except ValueError:
        key = user_id.lower()
    statement = customer_user_statement(scope.principal.kind, isinstance(key, uuid.UUID))
    values = scope.values(customer_id=tenant_id, user_key=key)
    return connection.execute(statement, values).first()


# A service plan's columns for resources.service_plan.
PLAN_COLUMNS = (
    unparsed_guid(service_plans.c.service_plan_id),
    service_plans.c.service_name,
    service_plans.c.display_name,
    service_plans.c.target_type,
)

PLANS_OF_SKUS: Select[Any] = (
    select(unparsed_guid(sku_service_plans.c.sku_id), *PLAN_COLUMNS)
    .join(service_plans, service_plans.c.service_plan_id == sku_service_plans.c.service_plan_id)
    .where(sku_service_plans.c.sku_id.in_(SKU_IDS))
    .order_by(
        sku_service_plans.c.sku_id, service_plans.c.service_name, service_plans.c.service_plan_id
    )
)


def plans_of(connection: Connection, sku_ids: list[uuid.UUID]) -> dict[str, list[Row[Any]]]:
    """The SKUs' service plans, by the SKU's id as guid_text writes it."""
    by_sku: dict[str, list[Row[Any]]] = defaultdict(list)
    # All at once: iterating the result would fetch row by row.
    for row in connection.execute(PLANS_OF_SKUS, {"sku_ids": sku_ids}).all():
        by_sku[guid_text(row.sku_id)].append(row)
    return by_sku


HELD_NOW = and_(
    license_assignments.c.user_id == USER,
    license_assignments.c.valid_to.is_(None),
    skus.c.license_group.in_(GROUPS),
)
HELD = (
    select(license_assignments.c.id.label("assignment_id"), skus)
    .join(skus, skus.c.sku_id == license_assignments.c.sku_id)
    .where(HELD_NOW)
    .order_by(skus.c.product_name, skus.c.sku_id)
)
# Each held SKU's plans, and whether the assignment switches the plan off.
HELD_PLANS = (
    select(
        license_assignments.c.id.label("assignment_id"),
        *PLAN_COLUMNS,
        assignment_disabled_plans.c.assignment_id.is_not(None).label("disabled"),
    )
    .select_from(
        license_assignments.join(skus, skus.c.sku_id == license_assignments.c.sku_id)
        .join(sku_service_plans, sku_service_plans.c.sku_id == skus.c.sku_id)
        .join(
            service_plans,
            service_plans.c.service_plan_id == sku_service_plans.c.service_plan_id,
        )
        .outerjoin(
            assignment_disabled_plans,
            and_(
                assignment_disabled_plans.c.assignment_id == license_assignments.c.id,
                assignment_disabled_plans.c.service_plan_id == service_plans.c.service_plan_id,
            ),
        )
    )
    .where(HELD_NOW)
    .order_by(service_plans.c.service_name, service_plans.c.service_plan_id)
)


def user_licenses(
    connection: Connection, user_row_id: int, groups: Sequence[str]
) -> list[tuple[Row[Any], list[Row[Any]]]]:
    """The user's current licenses in these groups: (sku, its plans, each with `disabled`)."""
    values = {"user": user_row_id, "groups": list(groups)}
    held = connection.execute(HELD, values).all()
    plans: dict[int, list[Row[Any]]] = defaultdict(list)
    for plan in connection.execute(HELD_PLANS, values).all():
        plans[plan.assignment_id].append(plan)
    return [(row, plans[row.assignment_id]) for row in held]


CONSUMED = (
    select(license_assignments.c.sku_id, func.count().label("consumed"))
    .where(license_assignments.c.tenant_id == TENANT, license_assignments.c.valid_to.is_(None))
    .group_by(license_assignments.c.sku_id)
    .subquery()
)
SUBSCRIBED = (
    select(subscriptions, skus, func.coalesce(CONSUMED.c.consumed, 0).label("consumed"))
    .join(skus, skus.c.sku_id == subscriptions.c.sku_id)
    .outerjoin(CONSUMED, CONSUMED.c.sku_id == subscriptions.c.sku_id)
    .where(
        subscriptions.c.tenant_id == TENANT,
        subscriptions.c.valid_to.is_(None),
        skus.c.license_group.in_(GROUPS),
    )
    .order_by(skus.c.product_name, skus.c.sku_id)
)


def subscribed_skus(
    connection: Connection, tenant_row_id: int, groups: Sequence[str]
) -> list[tuple[Row[Any], list[Row[Any]]]]:
    """The tenant's current seats per SKU, with how many are assigned now."""
    rows = connection.execute(SUBSCRIBED, {"tenant": tenant_row_id, "groups": list(groups)}).all()
    plans = plans_of(connection, [row.sku_id for row in rows])
    return [(row, plans[guid_text(row.sku_id)]) for row in rows]
