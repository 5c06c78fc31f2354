"""Microsoft 365 active user detail (Graph getOffice365ActiveUserDetail, CSV) -> license usage.

The report names no tenant (`--tenant` is required). From it come the tenant's Partner Center
usage rows for the report's refresh date, per product (SKU) and workload:

- licenses_qualified: users not deleted who hold the product (`Assigned Products`) and whose
  `Has <Workload> License` is True;
- licenses_active: those of them whose `<Workload> Last Activity Date` lies in the period
  (option `period`: D7, D30, D90 or D180, default D30) ending on the refresh date:
  ``refresh_date - N days < last_activity <= refresh_date`` (D7: the refresh day and the six
  before it; an activity date after the refresh date is outside).

Rules chosen here:

- `Assigned Products` joins products with a bare "+"; a "+" with a space on both sides belongs
  to a name ("Enterprise Mobility + Security E3"), as in every catalog name that has one.
- Products match SKUs by display name, case-insensitively; of several SKUs of one name, the
  one the tenant subscribes to. A product matching no single SKU is logged by name and each
  of its users counts as rejected; the rest of the report is still imported.
- A product counts for the workloads its catalog service plans license (a user's Exchange
  license may come from another of their products); a SKU with no known plans, for all six.
- A row is written only where qualified > 0. The tenant's rows for that date and those
  (product, workload) keys are replaced; its other rows of that date are left alone.
- A report without data rows (Graph's export for a tenant without users) imports nothing.
- User names, concealed (hashed) or not, are never read. Memory holds one tally per product
  (at most MAX_PRODUCTS) and a bounded number of counts of rows seen before, never rows.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, TypeVar

import structlog
from sqlalchemy import Connection, insert, select, update

from licensehub.importers.base import Counts, ImportRefused, ImportRequest, InvalidImport, Progress
from licensehub.importers.reading import clean, csv_columns
from licensehub.ledger.tables import license_usage, skus, subscriptions, tenants
from licensehub.ledger.tables.catalog import service_plans, sku_service_plans
from licensehub.ledger.workloads import SERVICE_CODE, SERVICE_NAME, WORKLOADS, workloads_of

KIND = "activity"
PERIODS = {"D7": 7, "D30": 30, "D90": 90, "D180": 180}
# The report's column names spell "Skype For Business" where Partner Center says "for".
STEMS = [w.name.replace(" for ", " For ") for w in WORKLOADS]
REFRESH, DELETED, PRODUCTS = "Report Refresh Date", "Is Deleted", "Assigned Products"
FLAGS = (DELETED, *(f"Has {stem} License" for stem in STEMS))
ACTIVITY = tuple(f"{stem} Last Activity Date" for stem in STEMS)
REQUIRED = (REFRESH, *FLAGS, *ACTIVITY, PRODUCTS)
# Not counted, but a malformed date there still means a malformed file.
OTHER_DATES = ("Deleted Date", *(f"{stem} License Assign Date" for stem in STEMS))
# The values a row is read as (csv_columns), every date together: each group is parsed in
# one call. The refresh date first, then the activity dates.
COLUMNS = (REFRESH, *ACTIVITY, *OTHER_DATES, *FLAGS, PRODUCTS)
DATES_AT = slice(0, 1 + len(ACTIVITY) + len(OTHER_DATES))
ACTIVITY_IN_DATES = slice(1, 1 + len(ACTIVITY))  # where the parsed dates hold ACTIVITY
FLAGS_AT = slice(DATES_AT.stop, DATES_AT.stop + len(FLAGS))
PRODUCTS_AT = FLAGS_AT.stop
BITS = tuple(1 << index for index in range(len(WORKLOADS)))
if len(WORKLOADS) != 6:  # tally_rows() spells the six out, one expression for speed
    raise RuntimeError("tally_rows() counts six workloads: teach it the new one")
# Microsoft's whole catalog has about 600 products: more in one tenant's report is not one.
MAX_PRODUCTS = 1000
SEPARATOR = re.compile(r"(?<!\s)\+|\+(?!\s)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
BOOLEANS = {"true": True, "false": False}

log = structlog.get_logger("licensehub.importers.activity")
T = TypeVar("T")
Rows = dict[tuple[uuid.UUID, str], dict[str, Any]]  # usage rows by (SKU, workload code)


class BadRow(Exception):
    """A value that makes the row invalid; tally_rows() adds the line, check() the file."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Tally:
    """One product's users, counted by the set of workloads (a bit mask over WORKLOADS) they
    are licensed for and, apart, active in: two increments a row instead of twelve."""

    name: str  # as the report first spelled it, for messages
    licensed: list[int] = field(default_factory=lambda: [0] * (1 << len(WORKLOADS)))
    active: list[int] = field(default_factory=lambda: [0] * (1 << len(WORKLOADS)))


def users_with(counts_by_mask: list[int], bit: int) -> int:
    return sum(count for mask, count in enumerate(counts_by_mask) if mask & bit)


@dataclass
class Checked:
    refresh_date: date | None = None
    period_start: date = date.min  # the day before the period's first day
    read: int = 0
    products: dict[str, Tally] = field(default_factory=dict)  # by folded name


@dataclass(frozen=True)
class Sku:
    sku_id: uuid.UUID
    product_name: str
    workloads: frozenset[str] | None  # None: the catalog knows none of its plans


def fold(name: str) -> str:
    return clean(name).casefold()


# A report repeats a few hundred dates and product combinations on every row: each distinct
# value is parsed once (the caches are bounded, like the tallies).
@lru_cache(maxsize=4096)
def as_date(value: str) -> date | None:
    if not (value := value.strip()):
        return None
    if ISO_DATE.fullmatch(value):
        with suppress(ValueError):
            return date.fromisoformat(value)
    raise ValueError("a date (YYYY-MM-DD)")


@lru_cache(maxsize=64)
def as_boolean(value: str) -> bool:
    if (flag := BOOLEANS.get(value.strip().lower())) is None:
        raise ValueError("True or False")
    return flag


@lru_cache(maxsize=4096)
def products_of(value: str) -> tuple[tuple[str, str], ...]:
    """(folded name, name) of each product named, each once."""
    held = {fold(part): clean(part) for part in SEPARATOR.split(value)}
    held.pop("", None)
    return tuple(held.items())


def parsed(row: tuple[str, ...], at: slice, parse: Callable[[str], T]) -> list[T]:
    try:  # the usual case at C speed; a bad value is looked for only on failure
        return list(map(parse, row[at]))
    except ValueError:
        pass
    values = []
    for column, value in zip(COLUMNS[at], row[at], strict=True):
        try:
            values.append(parse(value))
        except ValueError as exc:
            raise BadRow(f"{column} is {value.strip()!r}, not {exc}") from None
    return values


def tally_row(checked: Checked, row: tuple[str, ...], days: int) -> None:
    """One row, its values in COLUMNS' order."""
    dates = parsed(row, DATES_AT, as_date)
    refreshed = dates[0]
    if refreshed is None:
        raise BadRow(f"{REFRESH} is empty")
    if checked.refresh_date is None:
        checked.refresh_date, checked.period_start = refreshed, refreshed - timedelta(days)
    elif refreshed != checked.refresh_date:
        raise BadRow(f"{REFRESH} {refreshed} differs from the report's {checked.refresh_date}")
    checked.read += 1
    deleted, *licensed = parsed(row, FLAGS_AT, as_boolean)
    if deleted:
        return
    licensed_mask = active_mask = 0
    for bit, has_license, seen in zip(BITS, licensed, dates[ACTIVITY_IN_DATES], strict=True):
        if has_license:
            licensed_mask |= bit
            if seen is not None and checked.period_start < seen <= refreshed:
                active_mask |= bit
    count_products(checked, row[PRODUCTS_AT], licensed_mask, active_mask)


def count_products(
    checked: Checked, products: str, licensed: int, active: int, users: int = 1
) -> None:
    for key, name in products_of(products):
        tally = checked.products.get(key)
        if tally is None:
            if len(checked.products) >= MAX_PRODUCTS:
                raise BadRow(f"more than {MAX_PRODUCTS} products: not one tenant's report")
            tally = checked.products[key] = Tally(name)
        tally.licensed[licensed] += users
        tally.active[active] += users


@dataclass
class Seen:
    """Values this report has already shown to be valid, as its rows spell them. A row made
    only of such values is counted by tally_rows() without parsing anything; any other goes
    through tally_row(), which parses it and says what is wrong, and teaches its values here
    (tally_rows).
    Dates are kept only in their plain YYYY-MM-DD spelling, which sorts as the dates do.
    Seen rows are counted by (products, licensed mask, active mask), one increment a row,
    and added to the products' tallies when the report ends (settle)."""

    refresh: str | None = None  # the refresh date
    dates: set[str] = field(default_factory=lambda: {""})
    in_period: dict[str, int] = field(default_factory=lambda: {"": 0})  # 1 or 0; same keys
    flags: dict[tuple[str, ...], tuple[bool, int]] = field(default_factory=dict)
    products: set[str] = field(default_factory=set)  # Assigned Products values with tallies
    rows: dict[tuple[str, int, int], int] = field(default_factory=dict)

    def learn(self, checked: Checked, row: tuple[str, ...]) -> None:
        """After tally_row() counted the row: its values are valid."""
        if self.refresh is None and ISO_DATE.fullmatch(row[0]):
            self.refresh = row[0]
        start, refresh = checked.period_start, checked.refresh_date
        if len(self.dates) < SEEN_LIMIT and refresh is not None:
            for value in row[DATES_AT]:
                if value not in self.dates and ISO_DATE.fullmatch(value):
                    self.in_period[value] = int(start < date.fromisoformat(value) <= refresh)
                    self.dates.add(value)
        flags = row[FLAGS_AT]
        deleted, *licensed = map(as_boolean, flags)
        if flags not in self.flags and len(self.flags) < SEEN_LIMIT:
            mask = sum(bit for bit, has in zip(BITS, licensed, strict=True) if has)
            self.flags[flags] = deleted, mask
        if not deleted and len(self.products) < SEEN_LIMIT:  # a deleted row made no tallies
            self.products.add(row[PRODUCTS_AT])

    def settle(self, checked: Checked) -> None:
        """Add the seen rows to their products' tallies."""
        for (products, licensed, active), users in self.rows.items():
            count_products(checked, products, licensed, active, users)
        self.rows.clear()


SEEN_LIMIT = 4096  # distinct dates, flag combinations and product lists remembered
KINDS_KEPT = 65_536  # (products, licensed, active) counts held before they go to the tallies


def tally_rows(
    checked: Checked, seen: Seen, rows: Iterable[tuple[int, tuple[str, ...]]], days: int
) -> None:
    """Count each (line, row) as tally_row() would. A row made only of values seen before
    is counted here, with all it needs bound to locals (a million rows pay for every lookup
    and call); any other goes through tally_row(), which parses it and says what is wrong,
    and teaches `seen` its values. A BadRow leaves with its line."""
    known_dates, flags_of, known_products = seen.dates.issuperset, seen.flags.get, seen.products
    in_period, counted, refresh, read = seen.in_period, seen.rows, seen.refresh, 0
    try:
        for line, row in rows:
            if (
                row[0] == refresh
                and known_dates(row[DATES_AT])
                and (flags := flags_of(row[FLAGS_AT])) is not None
            ):
                deleted, licensed = flags
                if deleted:
                    read += 1
                    continue
                if (products := row[PRODUCTS_AT]) in known_products:
                    read += 1
                    # The workloads whose last activity lies in the period, as a mask: one
                    # expression for the six workloads, not a loop (400 -> 200 ns a row).
                    p, (a, b, c, d, e, f) = in_period, row[ACTIVITY_IN_DATES]
                    active = p[a] | p[b] << 1 | p[c] << 2 | p[d] << 3 | p[e] << 4 | p[f] << 5
                    key = products, licensed, licensed & active
                    if (count := counted.get(key)) is None:
                        if len(counted) >= KINDS_KEPT:  # memory bounded whatever the file
                            seen.settle(checked)
                        counted[key] = 1
                    else:
                        counted[key] = count + 1
                    continue
            try:
                tally_row(checked, row, days)
            except BadRow as exc:
                raise BadRow(str(exc), line) from None
            seen.learn(checked, row)
            refresh = seen.refresh
    finally:  # a BadRow leaves the rows before it counted
        checked.read += read


def match_skus(connection: Connection, tenant_row_id: int, keys: set[str]) -> dict[str, Sku]:
    """The SKU each product name stands for, where exactly one does."""
    plans: dict[tuple[uuid.UUID, str], set[str]] = defaultdict(set)
    catalog = skus.outerjoin(sku_service_plans).outerjoin(service_plans)
    query = select(skus.c.sku_id, skus.c.product_name, service_plans.c.service_name)
    for sku_id, name, plan in connection.execute(query.select_from(catalog)):
        if fold(name) in keys:
            plans[sku_id, name].update([plan] if plan else [])
    found: dict[str, list[Sku]] = defaultdict(list)
    for (sku_id, name), names in plans.items():
        workloads = frozenset(w.code for w in workloads_of(names)) if names else None
        found[fold(name)].append(Sku(sku_id, name, workloads))
    held = select(subscriptions.c.sku_id).where(
        subscriptions.c.tenant_id == tenant_row_id, subscriptions.c.valid_to.is_(None)
    )
    subscribed = set(connection.execute(held).scalars())
    matched = {}
    for key, candidates in found.items():
        if len(candidates) > 1:  # renamed or per-cloud twins: the tenant's own decides
            candidates = [sku for sku in candidates if sku.sku_id in subscribed]
        if len(candidates) == 1:
            matched[key] = candidates[0]
    return matched


def usage_rows(
    checked: Checked, base: dict[str, Any], matched: dict[str, Sku], counts: Counts
) -> Rows:
    """The rows to write by (SKU, workload); each user of an unmatched product is rejected."""
    rows: Rows = {}
    unmatched = []
    for key, tally in checked.products.items():
        if (sku := matched.get(key)) is None:
            unmatched.append(tally.name)
            counts.rejected += sum(tally.licensed)
            continue
        for bit, workload in zip(BITS, WORKLOADS, strict=True):
            qualified = users_with(tally.licensed, bit)
            if qualified and (sku.workloads is None or workload.code in sku.workloads):
                rows[sku.sku_id, workload.code] = base | {
                    "product_id": sku.sku_id,
                    "product_name": sku.product_name.upper(),  # as Partner Center records it
                    "workload_code": workload.code,
                    "workload_name": workload.name,
                    "licenses_active": users_with(tally.active, bit),
                    "licenses_qualified": qualified,
                }
    if unmatched:
        counts.notes.append(
            f"{counts.rejected} users not counted: no single SKU of the catalog is named "
            + ", ".join(repr(name) for name in sorted(unmatched))
        )
        log.warning(
            "products match no single SKU of the catalog; their users were not counted",
            products=sorted(unmatched),
            users=counts.rejected,
        )
    return rows


def upsert(connection: Connection, base: dict[str, Any], rows: Rows, counts: Counts) -> None:
    """Writes the rows over the tenant's rows of that date and key; leaves its other rows."""
    existing = connection.execute(
        select(license_usage).where(
            license_usage.c.processed_date == base["processed_date"],
            license_usage.c.tenant_id == base["tenant_id"],
        )
    )
    old = {(row.product_id, row.workload_code): row for row in existing}
    new = []
    for key, values in rows.items():
        if key not in old:
            new.append(values)
        elif any(old[key]._mapping[column] != value for column, value in values.items()):
            update_row = update(license_usage).where(license_usage.c.id == old[key].id)
            connection.execute(update_row.values(values))
            counts.updated += 1
    if new:
        connection.execute(insert(license_usage), new)
    counts.created += len(new)


class ActivityImporter:
    kind = KIND

    def check(self, request: ImportRequest, progress: Progress) -> Checked:
        period = str(request.options.get("period") or "D30").upper()
        if period not in PERIODS:
            raise ImportRefused(f"period {period!r} is not one of {', '.join(PERIODS)}")
        if request.tenant is None:
            raise ImportRefused("an active user report names no tenant: give --tenant")
        checked, seen, days = Checked(), Seen(), PERIODS[period]
        for source in request.files:
            try:
                tally_rows(checked, seen, csv_columns(source, progress, COLUMNS, REQUIRED), days)
            except BadRow as exc:
                raise InvalidImport(source.name, f"line {exc.line}", str(exc)) from None
        seen.settle(checked)
        return checked

    def apply(
        self, connection: Connection, request: ImportRequest, checked: Checked, progress: Progress
    ) -> Counts:
        # One answer for unknown and not yours: a scoped caller learns nothing of other tenants.
        tenant = connection.execute(
            select(tenants.c.id, tenants.c.name, tenants.c.channel).where(
                tenants.c.tenant_id == request.tenant, request.scope.restrict(tenants.c.id)
            )
        ).first()
        if tenant is None:
            raise ImportRefused(f"no tenant {request.tenant} in the ledger within your scope")
        counts = Counts(read=checked.read, tenant_id=tenant.id)
        if checked.refresh_date is None:  # no data rows: nothing to replace, nothing to add
            return counts
        base = {
            "processed_date": checked.refresh_date,
            "tenant_id": tenant.id,
            "customer_name": tenant.name.upper(),
            "channel": tenant.channel,
            "service_code": SERVICE_CODE,
            "service_name": SERVICE_NAME,
        }
        matched = match_skus(connection, tenant.id, set(checked.products))
        upsert(connection, base, usage_rows(checked, base, matched, counts), counts)
        return counts


IMPORTER = ActivityImporter()
