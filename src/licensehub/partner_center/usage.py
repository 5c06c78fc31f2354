"""License usage analytics as SQL: filtering, grouping, ordering and paging all run in the
database, scoped to what the principal may see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Connection,
    Date,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    true,
)

from licensehub.auth.tenant_scope import TenantScope, restriction
from licensehub.kit.json_rows import JsonObject, joined
from licensehub.ledger.tables import license_usage, tenants
from licensehub.partner_center.filters import Expr, parse_filter, to_sql
from licensehub.partner_center.json_rows import DateTimeText, GuidText

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
    filter: str | None  # the filter's text, as parsed() accepts it
    groupby: tuple[str, ...]
    top: int
    skip: int


# The statements below take the query's values and the principal's id as bound parameters, so
# that one built for a kind of principal and a query's shape serves every request of that
# shape: built, keyed and looked up in SQLAlchemy's cache of compiled SQL once, not per request.
DAY, TOP, SKIP, INLINE = (
    bindparam("day", type_=Date),
    bindparam("top", type_=Integer),
    bindparam("skip", type_=Integer),
    bindparam("inline", type_=Integer),  # the most rows a page read inline may have
)
NEWEST = func.max(license_usage.c.processed_date)
NEWEST_OF_ALL = select(NEWEST)


def parameters(scope: TenantScope, query: UsageQuery) -> dict[str, Any]:
    """The values of a query's statements (page(), count_and_page())."""
    return scope.values(day=query.day, top=query.top, skip=query.skip)


def latest_date(connection: Connection, scope: TenantScope) -> date | None:
    """The newest processing date among the rows the principal may see (before any filter).

    The newest date of all is the end of the (date, tenant, ...) index; it is the caller's too
    when one of its tenants has rows on it, as when a partner's tenants are processed
    together: one more probe of that index, in the same statement. Else it is the newest of
    each visible tenant's newest, each one probe of the (tenant, date) index, as many probes
    as tenants: a max over the partner's rows would read all of them, two years of them at a
    large partner."""
    kind = scope.principal.kind
    if kind == "operator":
        newest: date | None = connection.execute(NEWEST_OF_ALL).scalar()
        return newest
    overall: date | None
    overall, seen = connection.execute(newest_day(kind), scope.values()).one()
    if overall is None or seen:
        return overall
    visible = scope.tenants().subquery()
    per_tenant = select(NEWEST).where(license_usage.c.tenant_id == visible.c.id).scalar_subquery()
    found: date | None = connection.execute(
        select(func.max(per_tenant)).select_from(visible)
    ).scalar()
    return found


@lru_cache(maxsize=8)
def newest_day(kind: str) -> Select[Any]:
    """The newest processing date of all, and whether a principal of `kind` may see any row
    of it."""
    newest = select(NEWEST.label("day")).subquery("newest")
    on_it = select(license_usage.c.id).where(
        license_usage.c.processed_date == newest.c.day,
        restriction(kind, license_usage.c.tenant_id),
    )
    return select(newest.c.day, on_it.exists())


def conditions(kind: str, filter: Expr | None) -> list[ColumnElement[bool]]:
    return [
        license_usage.c.processed_date == DAY,
        restriction(kind, license_usage.c.tenant_id),
        to_sql(filter, COLUMNS) if filter is not None else true(),
    ]


def wire(field: str, column: ColumnElement[Any] | None = None) -> ColumnElement[Any]:
    """A field as Partner Center writes it, from its column (or `column`, one holding the
    same values): GUIDs as text, the rest as stored."""
    column = COLUMNS[field] if column is None else column
    return GuidText(column) if field in ("customerTenantId", "productId") else column


def page(scope: TenantScope, query: UsageQuery) -> Select[Any]:
    """The page's rows, each one JSON object as text (see kit/json_rows.py), for parameters(). The
    page's table says licensesActive, its example licenseActive: both are served."""
    return shaped(page_of, scope, query)


def count_and_page(
    connection: Connection, scope: TenantScope, query: UsageQuery, inline: int
) -> tuple[int, str | None]:
    """The query's TotalCount, and its page's rows as one text, their JSON objects joined by
    commas, when the page is read inline: at most `inline` rows (None when it is not, or is
    empty; it is then streamed from page()).

    The database joins the rows: the driver then reads one value, not a row per object
    (5,000 rows cost SQLAlchemy and the driver ~4 ms of CPU). A grouped query is counted and
    paged in one statement that makes its groups once: a count of its own made every group
    again (on 10 M rows 7.8 ms of the groupby by product's 16). An ungrouped one is counted
    first: inside the count's statement SQLite planned the page anew, and read a partner's
    whole day for a one-tenant filter (0.7 ms became 370 ms at 2 M rows)."""
    values = parameters(scope, query)
    if query.groupby:
        counted = connection.execute(shaped(grouped_of, scope, query), values | {"inline": inline})
        total, text = counted.one()
        return int(total), text
    total = int(connection.execute(shaped(count_of, scope, query), values).scalar_one())
    if streams(query, total, inline):
        return total, None
    text = connection.execute(shaped(page_text_of, scope, query), values).scalar_one()
    return total, text


def streams(query: UsageQuery, total: int, inline: int) -> bool:
    """Whether the page has more than `inline` rows (grouped_of() asks the same in SQL)."""
    return min(query.top, total - query.skip) > inline


Builder = Callable[[str, Expr | None, tuple[str, ...]], Select[Any]]


def shaped(build: Builder, scope: TenantScope, query: UsageQuery) -> Select[Any]:
    """The statement `build` makes for the query's shape and filter, built once per kind of
    principal, filter and groupby while it is in use: each request of the kind with the same
    filter text is served by the same statement, without parsing, building and keying it for
    SQLAlchemy's cache of compiled SQL again (a filter's values are in its SQL)."""
    kind = scope.principal.kind
    if query.filter is not None and len(query.filter) > CACHED_FILTER_LENGTH:
        return build(kind, parsed(query.filter), query.groupby)
    return statement_of(build, kind, query.filter, query.groupby)


# A cached statement holds its filter's values: ~50 KB for a filter of 200 characters, ten
# times that at the 2,000 the grammar allows. Longer filters are built per request, so that
# callers sending many different ones cannot make the cache hold much.
CACHED_FILTER_LENGTH = 200


# Keyed by the filter's text, not its parsed tree: text always hashes, a tree of a long chain
# of and/or would hash by recursion.
@lru_cache(maxsize=256)
def parsed(text: str) -> Expr:
    """The filter's tree (parse_filter's, with its limits); FilterError when it is refused."""
    return parse_filter(text)


@lru_cache(maxsize=256)
def statement_of(
    build: Builder, kind: str, filter: str | None, groupby: tuple[str, ...]
) -> Select[Any]:
    return build(kind, parsed(filter) if filter is not None else None, groupby)


def page_of(kind: str, filter: Expr | None, groupby: tuple[str, ...]) -> Select[Any]:
    if groupby:
        return group_page(grouped_sums(kind, filter, groupby), groupby)
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
        .where(*conditions(kind, filter))
        .order_by(*ROW_ORDER)
    )
    return statement.limit(TOP).offset(SKIP)


def page_text_of(kind: str, filter: Expr | None, groupby: tuple[str, ...]) -> Select[Any]:
    return select(joined(page_of(kind, filter, groupby).subquery("page")))


def grouped_of(kind: str, filter: Expr | None, groupby: tuple[str, ...]) -> Select[Any]:
    """(total, text) of a grouped query, for parameters() and `inline`: the text is left
    unread (CASE) when the page will be streamed."""
    groups = grouped_sums(kind, filter, groupby)
    total = select(func.count().label("n")).select_from(groups).subquery("total")
    text = select(joined(group_page(groups, groupby).subquery("page"))).scalar_subquery()
    inline = or_(TOP <= INLINE, total.c.n - SKIP <= INLINE)
    return select(total.c.n.label("total"), case((inline, text)).label("text"))


def count_of(kind: str, filter: Expr | None, groupby: tuple[str, ...]) -> Select[Any]:
    """The rows of an ungrouped query (a grouped one is counted by grouped_of())."""
    return select(func.count()).select_from(usage_with_tenant).where(*conditions(kind, filter))


def grouped_sums(kind: str, filter: Expr | None, groupby: tuple[str, ...]) -> CTE:
    """The query's groups, each its fields and its sums, computed once however often read."""
    # PostgreSQL sums bigints as numeric: back to a whole number for JSON.
    sums = {
        "licensesActive": cast(func.sum(license_usage.c.licenses_active), BigInteger),
        "licensesQualified": cast(func.sum(license_usage.c.licenses_qualified), BigInteger),
    }
    return (
        select(*(COLUMNS[field].label(field) for field in groupby))
        .add_columns(*(total.label(name) for name, total in sums.items()))
        .select_from(usage_with_tenant)
        .where(*conditions(kind, filter))
        .group_by(*(COLUMNS[field] for field in groupby))
        .cte("groups")
        .prefix_with("MATERIALIZED")  # made once, read by the count and by the page
    )


def group_page(groups: CTE, groupby: tuple[str, ...]) -> Select[Any]:
    """The page of the groups, each one JSON object as text, in the order of their fields."""
    row = JsonObject(
        {field: wire(field, groups.c[field]) for field in groupby}
        | {"licensesActive": groups.c.licensesActive}
        | {"licensesQualified": groups.c.licensesQualified}
        | {"licenseActive": groups.c.licensesActive}
    )
    ordered = select(row).order_by(*(groups.c[field] for field in groupby))
    return ordered.limit(TOP).offset(SKIP)
