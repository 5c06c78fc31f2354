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

from sqlalchemy import (
    BindParameter,
    Connection,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    select,
)

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
from licensehub.partner_center.json_rows import GuidText, JsonObject

CUSTOMER_ID: BindParameter[Any] = bindparam("customer_id")
USER_KEY: BindParameter[Any] = bindparam("user_key")
TENANT: BindParameter[Any] = bindparam("tenant")
USER: BindParameter[Any] = bindparam("user")
# Partner Center has two license groups, and a request asks for one or both: two plain
# parameters (the one group twice) rather than an expanding one, which SQLAlchemy would
# render into the statement's SQL again on every execution.
GROUP_VALUES: list[BindParameter[Any]] = [bindparam("group_a"), bindparam("group_b")]
IN_GROUPS = skus.c.license_group.in_(GROUP_VALUES)
SKU_IDS: BindParameter[Any] = bindparam("sku_ids", expanding=True)


def group_values(groups: Sequence[str]) -> dict[str, str]:
    """IN_GROUPS' values for params.license_groups' one or two groups."""
    if not 1 <= len(groups) <= 2:
        raise ValueError(f"one or two license groups, not {list(groups)!r}")
    return {"group_a": groups[0], "group_b": groups[-1]}


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


# The user's licenses and their plans leave the database as the JSON text of the body
# (json_rows): building a dict per service plan and encoding it cost user licenses more than
# its statements did (bench/HISTORY.md). The keys are in schemas.ProductSku's and
# schemas.ServicePlan's order.
SKU_JSON = JsonObject(
    {
        "id": GuidText(skus.c.sku_id),
        "name": skus.c.product_name,
        "skuPartNumber": skus.c.sku_part_number,
        "targetType": skus.c.target_type,
        "licenseGroupId": skus.c.license_group,
    }
)
HELD_NOW = and_(
    license_assignments.c.valid_to.is_(None),
    IN_GROUPS,
)


@cache
def held_statement(kind: str, by_object_id: bool) -> Select[Any]:
    """The customer, if the principal may see it, its current user by object id or by
    userPrincipalName in any case, and the SKUs the user holds now: one row per license, or
    one row whose user_row_id (no such user) or assignment_id (no license) is None; no row
    when the customer is not to be seen. One statement, not three: on PostgreSQL each is a
    round trip, and on SQLite SQLAlchemy's execution of each costs more than its SQL."""
    matches = (
        users.c.object_id == USER_KEY
        if by_object_id
        else func.lower(users.c.user_principal_name) == USER_KEY
    )
    current_user = and_(users.c.tenant_id == tenants.c.id, matches, users.c.deleted_at.is_(None))
    # The groups as a probe of each assignment's SKU: joined to (assignments JOIN skus) in
    # parentheses instead, SQLite would build that join for every user of the ledger first.
    grouped = skus.alias("grouped")
    in_groups = (
        select(grouped.c.sku_id)
        .where(
            grouped.c.sku_id == license_assignments.c.sku_id,
            grouped.c.license_group.in_(GROUP_VALUES),
        )
        .exists()
    )
    held_now = and_(
        license_assignments.c.user_id == users.c.id,
        license_assignments.c.valid_to.is_(None),
        in_groups,
    )
    return (
        select(
            tenants.c.id.label("tenant_row_id"),
            users.c.id.label("user_row_id"),
            license_assignments.c.id.label("assignment_id"),
            SKU_JSON.label("sku"),
        )
        .select_from(
            tenants.outerjoin(users, current_user)
            .outerjoin(license_assignments, held_now)
            .outerjoin(skus, skus.c.sku_id == license_assignments.c.sku_id)
        )
        .where(one_tenant_restriction(kind, tenants.c.id), tenants.c.tenant_id == CUSTOMER_ID)
        .order_by(skus.c.product_name, skus.c.sku_id)
    )


def held_skus(
    connection: Connection,
    scope: TenantScope,
    tenant_id: uuid.UUID,
    user_id: str,
    groups: Sequence[str],
) -> list[Row[Any]]:
    """held_statement's rows for the customer and its user (an object id or a
    userPrincipalName), in these license groups."""
    key: uuid.UUID | str
    try:
        key = uuid.UUID(user_id)
    except ValueError:
        key = user_id.lower()
    statement = held_statement(scope.principal.kind, isinstance(key, uuid.UUID))
    values = scope.values(customer_id=tenant_id, user_key=key, **group_values(groups))
    return list(connection.execute(statement, values).all())


# Each held SKU's plans, and whether the assignment switches the plan off. The statuses are
# written into the SQL: bound, they would be processed again on each execution.
ASSIGNED = literal_column("'Assigned'", String)
DISABLED = literal_column("'Disabled'", String)
HELD_PLANS = (
    select(
        license_assignments.c.id,
        JsonObject(
            {
                "displayName": service_plans.c.display_name,
                "serviceName": service_plans.c.service_name,
                "id": GuidText(service_plans.c.service_plan_id),
                "capabilityStatus": case(
                    (assignment_disabled_plans.c.assignment_id.is_(None), ASSIGNED),
                    else_=DISABLED,
                ),
                "targetType": service_plans.c.target_type,
            }
        ),
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
    .where(license_assignments.c.user_id == USER, HELD_NOW)
    .order_by(service_plans.c.service_name, service_plans.c.service_plan_id)
)


def user_licenses(
    connection: Connection, held: Sequence[Row[Any]], groups: Sequence[str]
) -> list[tuple[str, list[str]]]:
    """The licenses of held_skus' rows for a user, as JSON text: (productSku, servicePlans
    each with its capabilityStatus)."""
    licenses = [row for row in held if row.assignment_id is not None]
    if not licenses:
        return []
    values = {"user": licenses[0].user_row_id, **group_values(groups)}
    plans: dict[int, list[str]] = defaultdict(list)
    for assignment_id, plan in connection.execute(HELD_PLANS, values).all():
        plans[assignment_id].append(plan)
    return [(row.sku, plans[row.assignment_id]) for row in licenses]


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
        IN_GROUPS,
    )
    .order_by(skus.c.product_name, skus.c.sku_id)
)


def subscribed_skus(
    connection: Connection, tenant_row_id: int, groups: Sequence[str]
) -> list[tuple[Row[Any], list[Row[Any]]]]:
    """The tenant's current seats per SKU, with how many are assigned now."""
    values = {"tenant": tenant_row_id, **group_values(groups)}
    rows = connection.execute(SUBSCRIBED, values).all()
    plans = plans_of(connection, [row.sku_id for row in rows])
    return [(row, plans[guid_text(row.sku_id)]) for row in rows]
