"""A SKU's service plans as the JSON text Partner Center's bodies hold, and the copy of it
each SKU keeps (skus.plans_body).

Written per plan by the database at every lookup, a SKU's plans were most of a lookup's SQL:
on SQLite 87 of user licenses' 95 us for one SKU of 34 plans (bench/HISTORY.md). They change
only with the catalog, so each SKU keeps them written out, every plan "Enabled" (as
subscribedskus answers them; a user's licenses answer "Assigned" where the assignment
disables none). The ledger's triggers (migration 0008) clear a SKU's copy whenever its plans
or their names change, however they are written; whoever writes the catalog then calls
write_plan_bodies(), and a lookup that finds no copy writes the plans out as before. So a
copy can be missing, never stale."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Join,
    ScalarSelect,
    Text,
    cast,
    func,
    select,
    update,
)

from licensehub.kit.json_rows import JsonObject, joined
from licensehub.kit.sql_constants import constant
from licensehub.ledger.tables import service_plans, sku_service_plans, skus
from licensehub.partner_center.json_rows import GuidText


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
# A SKU's service plans.
SKU_PLANS = sku_service_plans.join(
    service_plans, service_plans.c.service_plan_id == sku_service_plans.c.service_plan_id
)


def sku_plans(
    sku_id: ColumnElement[Any], outer: FromClause, plans: Join, status: ColumnElement[str]
) -> ScalarSelect[str | None]:
    """The service plans of the SKU `sku_id`, a column of the enclosing statement's table
    `outer`, as JSON text joined in PLAN_ORDER (NULL for no SKU): from `plans`, SKU_PLANS
    or a join of it, each with its `status`."""
    page = (
        select(plan_json(status))
        .select_from(plans)
        .where(sku_service_plans.c.sku_id == sku_id)
        .order_by(*PLAN_ORDER)
        .correlate(outer)
        .subquery("plans")
    )
    return select(joined(page)).scalar_subquery()


# A key and its value as JSON writes them: no JSON string holds it, for a quote inside a
# string is escaped.
ENABLED_TEXT, ASSIGNED_TEXT = '"capabilityStatus":"Enabled"', '"capabilityStatus":"Assigned"'


# The plans of the SKU of a statement's `skus` row, every one "Enabled", written out from
# the catalog's rows (NULL for none), and as its copy holds them ("" for none).
WRITTEN_OUT = sku_plans(skus.c.sku_id, skus, SKU_PLANS, ENABLED)
AS_COPIED = func.coalesce(WRITTEN_OUT, "")
# Its copy, or written out when it has none; an empty copy is a SKU without plans.
ENABLED_PLANS = func.coalesce(func.nullif(skus.c.plans_body, ""), WRITTEN_OUT)
# ENABLED_PLANS with every plan's status "Assigned".
ASSIGNED_PLANS = func.replace(ENABLED_PLANS, ENABLED_TEXT, ASSIGNED_TEXT)


def write_plan_bodies(connection: Connection) -> None:
    """Every SKU without its copy of its plans given one: for whoever wrote the catalog."""
    missing = skus.c.plans_body.is_(None)
    connection.execute(update(skus).where(missing).values(plans_body=AS_COPIED))
