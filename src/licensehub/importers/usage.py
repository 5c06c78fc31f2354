"""Partner Center license usage rows, as the analytics endpoint returns them: the JSON `Value`
envelope, or CSV with the same columns. For partners who already export them.

Rows keep the names they carry (customerName, productName as recorded). A row for a date,
tenant, product and workload the ledger already holds replaces it; within one file the later
of two rows with the same key wins. Tenants the ledger does not know are created under the
partner given (or the importing partner's), named by the row's customerName.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, func, select, tuple_
from sqlalchemy.dialects import postgresql

from licensehub.importers.base import (
    Counts,
    ImportRefused,
    ImportRequest,
    InvalidImport,
    Progress,
    SourceFile,
)
from licensehub.importers.reading import csv_rows, json_items
from licensehub.ledger.bulk import insert_rows
from licensehub.ledger.statistics import TableGrowth
from licensehub.ledger.tables import license_usage, tenants
from licensehub.ledger.writes import UnknownTenant, ensure_tenant, update_rows

KIND = "usage"
BATCH = 1_000

TEXT_FIELDS = {
    "workloadCode": "workload_code",
    "workloadName": "workload_name",
    "serviceCode": "service_code",
    "serviceName": "service_name",
    "channel": "channel",
    "customerName": "customer_name",
    "productName": "product_name",
}
REQUIRED = ("processedDateTime", *TEXT_FIELDS, "customerTenantId", "productId", "licensesQualified")
KEY = ("processed_date", "tenant_id", "product_id", "workload_code")
VALUES = (*TEXT_FIELDS.values(), "licenses_active", "licenses_qualified")


@dataclass
class Checked:
    rows: int = 0
    # Each tenant's GUID and the first customerName seen for it, to name it if it is new.
    tenants: dict[uuid.UUID, str] = field(default_factory=dict)


def is_json(source: SourceFile) -> bool:
    with source.path.open("rb") as raw:
        head = raw.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def raw_rows(source: SourceFile, progress: Progress) -> Iterator[tuple[str, dict[str, Any]]]:
    if is_json(source):
        for path, item in json_items(source, progress, "Value.item"):
            if not isinstance(item, dict):
                raise InvalidImport(source.name, path, "a row must be a JSON object")
            yield path, item
    else:
        for line, row in csv_rows(source, progress, REQUIRED):
            yield f"line {line}", row


def count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} must be a whole number")
    number = int(str(value).strip()) if isinstance(value, str) else int(value)
    if number != value and not isinstance(value, str):
        raise ValueError(f"{name} must be a whole number")
    if number < 0:
        raise ValueError(f"{name} must not be negative")
    return number


def parse_row(item: dict[str, Any]) -> dict[str, Any]:
    missing = [name for name in REQUIRED if item.get(name) in (None, "")]
    # The analytics page spells it both ways; either is read.
    active = item.get("licensesActive", item.get("licenseActive"))
    if active in (None, ""):
        missing.append("licensesActive")
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    row: dict[str, Any] = {column: str(item[name]).strip() for name, column in TEXT_FIELDS.items()}
    try:
        processed = str(item["processedDateTime"]).strip()
        row["processed_date"] = datetime.fromisoformat(processed.replace("Z", "+00:00")).date()
    except ValueError:
        raise ValueError(f"processedDateTime {item['processedDateTime']!r} is not a date") from None
    for name, column in (("customerTenantId", "tenant_guid"), ("productId", "product_id")):
        try:
            row[column] = uuid.UUID(str(item[name]).strip())
        except ValueError:
            raise ValueError(f"{name} {item[name]!r} is not a GUID") from None
    row["licenses_active"] = count(active, "licensesActive")
    row["licenses_qualified"] = count(item["licensesQualified"], "licensesQualified")
    return row


def rows(request: ImportRequest, progress: Progress) -> Iterator[dict[str, Any]]:
    for source in request.files:
        for where, item in raw_rows(source, progress):
            try:
                yield parse_row(item)
            except ValueError as exc:
                raise InvalidImport(source.name, where, str(exc)) from None


def not_in_ledger(guid: uuid.UUID) -> str:
    return f"tenant {guid} is not in the ledger; give --partner to create it under a partner"


class UsageImporter:
    kind = KIND

    def check(self, request: ImportRequest, progress: Progress) -> Checked:
        checked = Checked()
        for row in rows(request, progress):
            checked.rows += 1
            checked.tenants.setdefault(row["tenant_guid"], row["customer_name"])
        return checked

    def tenant_ids(
        self, connection: Connection, request: ImportRequest, checked: Checked, growth: TableGrowth
    ) -> dict[uuid.UUID, int]:
        partner_id = request.partner_id
        if partner_id is None and request.principal is not None:
            partner_id = request.principal.partner_id
        resolved: dict[uuid.UUID, int] = {}
        for guid, name in checked.tenants.items():
            try:
                row_id, created = ensure_tenant(
                    connection, guid, name=name, partner_id=partner_id, now=request.now
                )
            except UnknownTenant:
                raise ImportRefused(not_in_ledger(guid)) from None
            growth.grew(tenants, int(created))
            visible = connection.execute(
                select(tenants.c.id).where(
                    tenants.c.id == row_id, request.scope.restrict(tenants.c.id)
                )
            ).first()
            if visible is None:  # said exactly as for a tenant that does not exist
                raise ImportRefused(not_in_ledger(guid))
            resolved[guid] = row_id
        return resolved

    def apply(
        self, connection: Connection, request: ImportRequest, checked: Checked, progress: Progress
    ) -> Counts:
        # A first large import fills tables PostgreSQL planned as empty (ledger/statistics.py).
        growth = TableGrowth(connection)
        tenant_ids = self.tenant_ids(connection, request, checked, growth)
        single = set(tenant_ids.values())
        counts = Counts(read=checked.rows, tenant_id=single.pop() if len(single) == 1 else None)
        stream = rows(request, progress)
        while batch := list(islice(stream, BATCH)):
            by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
            for row in batch:
                row["tenant_id"] = tenant_ids[row.pop("tenant_guid")]
                by_key[tuple(row[k] for k in KEY)] = row  # the later row wins
            self.write(connection, by_key, counts, growth)
        return counts

    def write(
        self,
        connection: Connection,
        by_key: dict[tuple[Any, ...], dict[str, Any]],
        counts: Counts,
        growth: TableGrowth,
    ) -> None:
        existing = {tuple(row[:4]): row for row in recorded(connection, list(by_key))}
        new, changed = [], []
        for key, row in by_key.items():
            found = existing.get(key)
            if found is None:
                new.append(row)
            elif tuple(found[5:]) != tuple(row[v] for v in VALUES):
                changed.append({"id": found.id, **{v: row[v] for v in VALUES}})
        if new:
            columns = tuple(new[0])  # every row has the same: parse_row's, with tenant_id
            rows = [tuple(row[column] for column in columns) for row in new]
            insert_rows(connection, license_usage, columns, rows)
            growth.grew(license_usage, len(rows))
        update_rows(connection, license_usage, VALUES, changed)
        counts.created += len(new)
        counts.updated += len(changed)


RECORDED = select(
    *(license_usage.c[k] for k in KEY), license_usage.c.id, *(license_usage.c[v] for v in VALUES)
)
KEYS = (
    func.unnest(*(bindparam(k, type_=postgresql.ARRAY(license_usage.c[k].type)) for k in KEY))
    .table_valued(*KEY)
    .render_derived("keys")
)
RECORDED_BY_ARRAYS = RECORDED.select_from(
    license_usage.join(KEYS, and_(*(license_usage.c[k] == KEYS.c[k] for k in KEY)))
)


def recorded(connection: Connection, keys: list[tuple[Any, ...]]) -> Iterable[Row[Any]]:
    """The rows the ledger already holds for these keys: their key, id and VALUES."""
    if connection.dialect.name == "postgresql":
        # The keys as four arrays joined to the table: one plan of a few parameters. A
        # row-value IN of 1,000 keys is 4,000 parameters that PostgreSQL plans as a 1,000-way
        # OR, every batch anew.
        columns = zip(*keys, strict=True)
        return connection.execute(
            RECORDED_BY_ARRAYS, dict(zip(KEY, map(list, columns), strict=True))
        )
    key_columns = [license_usage.c[k] for k in KEY]
    return connection.execute(RECORDED.where(tuple_(*key_columns).in_(keys)))


IMPORTER = UsageImporter()
