"""License usage analytics as SQL: filtering, grouping, ordering and paging all run in the
database, scoped to what the principal may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, Select, cast, func, select, true

from licensehub.auth.tenant_scope import TenantScope
from licensehub.ledger.tables import license_usage, tenants
from licensehub.partner_center.filters import Expr, to_sql
from licensehub.partner_center.json_rows import DateTimeText, GuidText, JsonObject

usage_with_tenant = license_usage.join(tenants, tenants.c.id == license_usage.c.tenant_id)

# The API's field names, in the order rows are written, and the columns behind them.
COLUMNS: dict[str, ColumnElement[Any]] = {
    "workloadCode": license_usage.c.workload_code,
    "workloadName": license_usage.c.workload_name,
    "serviceCode": license_usage.c.service_code,
    "serviceName": license_usage.c.service_name,
    "channel": license_usage.c.channel,
    "customerTenantId": tenants.c.tenant_id,
    "customerName": license_usage.c.customer_name,
    "productId": license_usage.c.product_id,
    "productName": license_usage.c.product_name,
}

# The unique index's order: a page is a range of the index, and pages never overlap.
ROW_ORDER = (
    license_usage.c.tenant_id,
    license_usage.c.product_id,
    license_usage.c.workload_code,
)


@dataclass(frozen=True)
class UsageQuery:
    day: date
    filter: Expr | None
    groupby: tuple[str, ...]
    top: int
    skip: int


def latest_date(connection: Connection, scope: TenantScope) -> date | None:
    """The newest processing date among the rows the principal may see (before any filter).

    The newest date of all is the end of the (date, tenant, ...) index; it is the caller's too
    when one of its tenants has rows on it, as when a partner's tenants are processed
    together: one more probe of that index. Else it is the newest of each visible tenant's
    newest, each one probe of the (tenant, date) index, as many probes as tenants: a max over
    the partner's rows would read all of them, two years of them at a large partner."""
    newest = func.max(license_usage.c.processed_date)
    overall: date | None = connection.execute(select(newest)).scalar()
    if overall is None or scope.principal.kind == "operator":
        return overall
    on_it = select(license_usage.c.id).where(
        license_usage.c.processed_date == overall, scope.restrict(license_usage.c.tenant_id)
    )
    if connection.execute(select(on_it.exists())).scalar():
        return overall
    visible = scope.tenants().subquery()
    per_tenant = select(newest).where(license_usage.c.tenant_id == visible.c.id).scalar_subquery()
    found: date | None = connection.execute(
        select(func.max(per_tenant)).select_from(visible)
    ).scalar()
    return found


def conditions(scope: TenantScope, query: UsageQuery) -> list[ColumnElement[bool]]:
    return [
        license_usage.c.processed_date == query.day,
        scope.restrict(license_usage.c.tenant_id),
        to_sql(query.filter, COLUMNS) if query.filter is not None else true(),
    ]


def wire(field: str) -> ColumnElement[Any]:
    """A field as Partner Center writes it: GUIDs as text, the rest as stored."""
    column = COLUMNS[field]
    return GuidText(column) if field in ("customerTenantId", "productId") else column


def page(scope: TenantScope, query: UsageQuery) -> Select[Any]:
    """The page's rows, each one JSON object as text (see json_rows). The page's table says
    licensesActive, its example licenseActive: both are served."""
    where = conditions(scope, query)
    if query.groupby:
        # PostgreSQL sums bigints as numeric: back to a whole number for JSON.
        active = cast(func.sum(license_usage.c.licenses_active), BigInteger)
        qualified = cast(func.sum(license_usage.c.licenses_qualified), BigInteger)
        fields = {field: wire(field) for field in query.groupby}
        statement = (
            select(
                JsonObject(
                    fields
                    | {"licensesActive": active, "licensesQualified": qualified}
                    | {"licenseActive": active}
                )
            )
            .select_from(usage_with_tenant)
            .where(*where)
            .group_by(*(COLUMNS[field] for field in query.groupby))
            .order_by(*(COLUMNS[field] for field in query.groupby))
        )
    else:
        row: dict[str, ColumnElement[Any]] = {
            "processedDateTime": DateTimeText(license_usage.c.processed_date)
        }
        row |= {field: wire(field) for field in COLUMNS}
        row |= {
            "licensesActive": license_usage.c.licenses_active,
            "licensesQualified": license_usage.c.licenses_qualified,
            "licenseActive": license_usage.c.licenses_active,
        }
        statement = (
            select(JsonObject(row))
            .select_from(usage_with_tenant)
            .where(*where)
            .order_by(*ROW_ORDER)
        )
    return statement.limit(query.top).offset(query.skip)


def count(connection: Connection, scope: TenantScope, query: UsageQuery) -> int:
    where = conditions(scope, query)
    if query.groupby:
        groups = (
            select(*(COLUMNS[field] for field in query.groupby))
            .select_from(usage_with_tenant)
            .where(*where)
            .group_by(*(COLUMNS[field] for field in query.groupby))
            .subquery()
        )
        statement = select(func.count()).select_from(groups)
    else:
        statement = select(func.count()).select_from(usage_with_tenant).where(*where)
    return int(connection.execute(statement).scalar_one())
