"""The reads behind Partner Center's license lookups: a user's licenses and a customer's
subscribed SKUs.

Their SKUs and service plans leave the database as the JSON text of the body (kit/json_rows.py),
which resources.py joins: building and encoding a dict per service plan (a user holds ~80,
a customer subscribes to more) cost these lookups more than their statements
(bench/HISTORY.md). Each JSON object's keys are in the order of its model in schemas.py.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Join,
    Row,
    Select,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    select,
    type_coerce,
)

from licensehub.auth.tenant_scope import TenantScope
from licensehub.kit.json_rows import JsonObject
from licensehub.kit.sql_constants import constant
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
from licensehub.partner_center.json_rows import GuidText
from licensehub.partner_center.queries import requested_customer

USER_KEY: BindParameter[Any] = bindparam("user_key")
TENANT: BindParameter[Any] = bindparam("tenant")
USER: BindParameter[Any] = bindparam("user")
# Partner Center has two license groups, and a request asks for one or both: two plain
# parameters (the one group twice) rather than an expanding one, which SQLAlchemy would
# render into the statement's SQL again on every execution.
GROUP_VALUES: list[BindParameter[Any]] = [bindparam("group_a"), bindparam("group_b")]
IN_GROUPS = skus.c.license_group.in_(GROUP_VALUES)


def group_values(groups: Sequence[str]) -> dict[str, str]:
    """IN_GROUPS' values for params.license_groups' one or two groups."""
    if not 1 <= len(groups) <= 2:
        raise ValueError(f"one or two license groups, not {list(groups)!r}")
    return {"group_a": groups[0], "group_b": groups[-1]}


SKU_JSON = JsonObject(
    {
        "id": GuidText(skus.c.sku_id),
        "name": skus.c.product_name,
        "skuPartNumber": skus.c.sku_part_number,
        "targetType": skus.c.target_type,
        "licenseGroupId": skus.c.license_group,
    }
)


def plan_json(status: ColumnElement[str]) -> JsonObject:
    return JsonObject(
        {
            "displayName": service_plans.c.display_name,
            "serviceName": service_plans.c.service_name,
            "id": GuidText(service_plans.c.service_plan_id),
            "capabilityStatus": status,
            "targetType": service_plans.c.target_type,
        }
    )


def plan_status(name: str) -> ColumnElement[str]:
    """A plan's capabilityStatus written into the SQL (bound, it would be processed again on
    each execution), typed: PostgreSQL's to_json cannot take a literal of no type."""
    return cast(constant(name), Text)


ASSIGNED, DISABLED = plan_status("Assigned"), plan_status("Disabled")
ENABLED = plan_status("Enabled")
PLAN_ORDER = (service_plans.c.service_name, service_plans.c.service_plan_id)
SKU_ORDER = (skus.c.product_name, skus.c.sku_id)


def with_plans(held: Join) -> Join:
    """A join holding `skus`, joined to each SKU's service plans."""
    return held.join(sku_service_plans, sku_service_plans.c.sku_id == skus.c.sku_id).join(
        service_plans, service_plans.c.service_plan_id == sku_service_plans.c.service_plan_id
    )


def in_groups(sku_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """Whether the SKU is in the license groups, as a probe of its row: for a statement that
    starts from the customer and outer-joins its rows, a join to (rows JOIN skus) in
    parentheses would have SQLite build that join over the whole ledger first."""
    grouped = skus.alias("grouped")
    return (
        select(grouped.c.sku_id)
        .where(grouped.c.sku_id == sku_id, grouped.c.license_group.in_(GROUP_VALUES))
        .exists()
    )


@cache
def held_statement(kind: str, by_object_id: bool) -> Select[Any]:
    """The customer, if the principal may see it, its current user by object id or by
    userPrincipalName in any case, and the SKUs the user holds now: one row per license, or
    one row whose user_row_id (no such user) or assignment_id (no license) is None; no row
    when the customer is not to be seen. One statement where there were two (the customer
    and its user, then the held SKUs): on PostgreSQL each is a round trip, and on SQLite
    SQLAlchemy's execution of each costs more than its SQL."""
    matches = (
        users.c.object_id == USER_KEY
        if by_object_id
        else func.lower(users.c.user_principal_name) == USER_KEY
    )
    current_user = and_(users.c.tenant_id == tenants.c.id, matches, users.c.deleted_at.is_(None))
    held_now = and_(
        license_assignments.c.user_id == users.c.id,
        license_assignments.c.valid_to.is_(None),
        in_groups(license_assignments.c.sku_id),
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
        .where(requested_customer(kind))
        .order_by(*SKU_ORDER)
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


# Each held SKU's plans, and whether the assignment switches the plan off.
HELD_PLANS = (
    select(
        license_assignments.c.id,
        plan_json(
            case(
                (assignment_disabled_plans.c.assignment_id.is_(None), ASSIGNED),
                else_=DISABLED,
            )
        ),
    )
    .select_from(
        with_plans(
            license_assignments.join(skus, skus.c.sku_id == license_assignments.c.sku_id)
        ).outerjoin(
            assignment_disabled_plans,
            and_(
                assignment_disabled_plans.c.assignment_id == license_assignments.c.id,
                assignment_disabled_plans.c.service_plan_id == service_plans.c.service_plan_id,
            ),
        )
    )
    .where(
        license_assignments.c.user_id == USER,
        license_assignments.c.valid_to.is_(None),
        IN_GROUPS,
    )
    .order_by(*PLAN_ORDER)
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


SUBSCRIBED_NOW = and_(
    subscriptions.c.tenant_id == TENANT,
    subscriptions.c.valid_to.is_(None),
    IN_GROUPS,
)
# The SKU's id as the driver reads it (32 hex digits on SQLite, a UUID on PostgreSQL): it
# only keys the plans to their SKU, and SQLite's would otherwise be parsed for every plan.
SKU_KEY = type_coerce(skus.c.sku_id, String).label("sku_key")


@cache
def subscribed_statement(kind: str) -> Select[Any]:
    """The customer, if the principal may see it, and its current subscriptions in the license
    groups, each with how many of its SKU's licenses are assigned now: one row per SKU, or
    one row whose sku_key is None (no subscription); no row when the customer is not to be
    seen. One statement where there were two (the customer, then its subscriptions)."""
    consumed = (
        select(func.count())
        .where(
            license_assignments.c.tenant_id == tenants.c.id,
            license_assignments.c.sku_id == subscriptions.c.sku_id,
            license_assignments.c.valid_to.is_(None),
        )
        .scalar_subquery()
    )
    current = and_(
        subscriptions.c.tenant_id == tenants.c.id,
        subscriptions.c.valid_to.is_(None),
        in_groups(subscriptions.c.sku_id),
    )
    return (
        select(
            tenants.c.id.label("tenant_row_id"),
            SKU_KEY,
            subscriptions.c.enabled_units,
            subscriptions.c.warning_units,
            subscriptions.c.suspended_units,
            subscriptions.c.capability_status,
            consumed.label("consumed"),
            SKU_JSON.label("sku"),
        )
        .select_from(
            tenants.outerjoin(subscriptions, current).outerjoin(
                skus, skus.c.sku_id == subscriptions.c.sku_id
            )
        )
        .where(requested_customer(kind))
        .order_by(*SKU_ORDER)
    )


# The plans of every SKU subscribed to (a tenant has one current subscription per SKU).
SUBSCRIBED_PLANS = (
    select(SKU_KEY, plan_json(ENABLED))
    .select_from(with_plans(subscriptions.join(skus, skus.c.sku_id == subscriptions.c.sku_id)))
    .where(SUBSCRIBED_NOW)
    .order_by(*PLAN_ORDER)
)


def subscribed_skus(
    connection: Connection, scope: TenantScope, tenant_id: uuid.UUID, groups: Sequence[str]
) -> list[tuple[Row[Any], list[str]]] | None:
    """The customer's current seats per SKU, with how many are assigned now, and the SKU's
    service plans as JSON text; None when the principal may not see the customer."""
    statement = subscribed_statement(scope.principal.kind)
    grouped = group_values(groups)
    rows = connection.execute(statement, scope.values(customer_id=tenant_id, **grouped)).all()
    if not rows:
        return None
    if rows[0].sku_key is None:
        return []
    plans: dict[Any, list[str]] = defaultdict(list)
    values = {"tenant": rows[0].tenant_row_id, **grouped}
    for sku_id, plan in connection.execute(SUBSCRIBED_PLANS, values).all():
        plans[sku_id].append(plan)
    return [(row, plans[row.sku_key]) for row in rows]
