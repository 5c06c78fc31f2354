"""The reads behind Partner Center's license lookups: a user's licenses and a customer's
subscribed SKUs.

Their SKUs and service plans leave the database as the JSON text of the body (kit/json_rows.py),
which resources.py joins: building and encoding a dict per service plan (a user holds ~80,
a customer subscribes to more) cost these lookups more than their statements
(bench/HISTORY.md). Each JSON object's keys are in the order of its model in schemas.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    select,
    type_coerce,
)

from licensehub.auth.tenant_scope import TenantScope
from licensehub.kit.json_rows import JsonObject
from licensehub.ledger.tables import (
    assignment_disabled_plans,
    license_assignments,
    service_plans,
    skus,
    subscriptions,
    tenants,
    users,
)
from licensehub.partner_center.json_rows import GuidText
from licensehub.partner_center.plan_bodies import (
    ASSIGNED,
    ASSIGNED_PLANS,
    DISABLED,
    ENABLED_PLANS,
    SKU_PLANS,
    sku_plans,
)
from licensehub.partner_center.queries import requested_customer

USER_KEY: BindParameter[Any] = bindparam("user_key")
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


SKU_ORDER = (skus.c.product_name, skus.c.sku_id)


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
    userPrincipalName in any case, and the SKUs the user holds now, each with its service
    plans and whether the license switches each off: one row per license, or one row whose
    user_row_id (no such user) or assignment_id (no license) is None; no row when the
    customer is not to be seen. One statement where there were three, then two (the
    customer, its user and the held SKUs; their plans): on PostgreSQL each is a round trip,
    and the two had to be read in one snapshot, two more (BEGIN, COMMIT); on SQLite
    SQLAlchemy's execution of each costs more than its SQL. A license that switches no plan
    off answers its SKU's copy of its plans (plan_bodies.py), as most do; one that does has
    them written out, each with its status."""
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
    disabled = assignment_disabled_plans
    switched_off = SKU_PLANS.outerjoin(
        disabled,
        and_(
            disabled.c.assignment_id == license_assignments.c.id,
            disabled.c.service_plan_id == service_plans.c.service_plan_id,
        ),
    )
    status = case((disabled.c.assignment_id.is_(None), ASSIGNED), else_=DISABLED)
    written_out = sku_plans(license_assignments.c.sku_id, license_assignments, switched_off, status)
    switches_off = (
        select(disabled.c.assignment_id)
        .where(disabled.c.assignment_id == license_assignments.c.id)
        .exists()
    )
    plans = case((switches_off, written_out), else_=ASSIGNED_PLANS)
    return (
        select(
            tenants.c.id.label("tenant_row_id"),
            users.c.id.label("user_row_id"),
            license_assignments.c.id.label("assignment_id"),
            SKU_JSON.label("sku"),
            plans.label("plans"),
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


# The SKU's id as the driver reads it (32 hex digits on SQLite, a UUID on PostgreSQL): it
# only tells a subscription from none, and SQLite's would otherwise be parsed.
SKU_KEY = type_coerce(skus.c.sku_id, String).label("sku_key")


@cache
def subscribed_statement(kind: str) -> Select[Any]:
    """The customer, if the principal may see it, and its current subscriptions in the license
    groups, each with how many of its SKU's licenses are assigned now and the SKU's service
    plans: one row per SKU, or one row whose sku_key is None (no subscription); no row when
    the customer is not to be seen. One statement where there were two (the customer and
    its subscriptions; their plans): the plans' own statement, apart, could also see a
    subscription ended in between, and answer its SKU with none."""
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
            ENABLED_PLANS.label("plans"),
        )
        .select_from(
            tenants.outerjoin(subscriptions, current).outerjoin(
                skus, skus.c.sku_id == subscriptions.c.sku_id
            )
        )
        .where(requested_customer(kind))
        .order_by(*SKU_ORDER)
    )


def subscribed_skus(
    connection: Connection, scope: TenantScope, tenant_id: uuid.UUID, groups: Sequence[str]
) -> list[Row[Any]] | None:
    """The customer's current seats per SKU, with how many are assigned now, and the SKU's
    service plans as JSON text (subscribed_statement's rows); None when the principal may
    not see the customer."""
    statement = subscribed_statement(scope.principal.kind)
    values = scope.values(customer_id=tenant_id, **group_values(groups))
    rows = connection.execute(statement, values).all()
    if not rows:
        return None
    if rows[0].sku_key is None:
        return []
    return list(rows)
