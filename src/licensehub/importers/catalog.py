"""Microsoft's "Product names and service plan identifiers for licensing" CSV: the catalog.

It names the SKUs and service plans that Graph exports only identify. SKUs and plans it does not
list keep what they have (a SKU first seen in a Graph export stays named by its skuPartNumber
until a catalog names it); each SKU it lists gets exactly the plans it lists for that SKU.

What the file leaves open, settled:

- Rows equal once cleaned (no-break spaces, tabs, extra blanks) are one row: a duplicate is
  counted as read and otherwise ignored.
- A SKU is its GUID, never its String_Id (MCOPSTN5 has two GUIDs). A GUID under several display
  names (a renamed product) takes the name that (1) does not start with "RETIRED" (a SKU a tenant
  still holds is live to its partner), then (2) lists the most plans (Microsoft adds plans to the
  current name's rows and leaves the old name's rows as they were: "Microsoft Copilot Studio User
  License for GCC" lists 6, "Power Virtual Agent User License for GCC" 4), then (3) comes first.
  The file is sorted by display name, so its order carries no date: (3) only makes it definite.
- A plan id under several names takes the service name most rows give (typos like
  "RMS_S_ENTERPRISE)" are one-offs), and as display name: a real name over a copy of the service
  name ("TEAMS1"), then mixed case over capitals (the file's older style), then the name most
  rows give, then the first. "RETIRED -" stays when most rows say so: it is worth showing.
- Minecraft Education SKUs (String_Id starting "MEE_", or "Minecraft" in the name) are licensed
  outside Entra ID: license group 'group2'. Every other SKU is 'group1'.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, cast

from sqlalchemy import Column, Connection, String, Table, bindparam, delete, insert, select, update

from licensehub.importers.base import Counts, ImportRequest, InvalidImport, Progress
from licensehub.importers.reading import clean, csv_rows
from licensehub.ledger.tables.catalog import service_plans, sku_service_plans, skus
from licensehub.partner_center.plan_bodies import write_plan_bodies

KIND = "catalog"

PRODUCT, PART, SKU_ID = "Product_Display_Name", "String_Id", "GUID"
SERVICE, PLAN_ID = "Service_Plan_Name", "Service_Plan_Id"
FRIENDLY = "Service_Plans_Included_Friendly_Names"
COLUMNS = (PRODUCT, PART, SKU_ID, SERVICE, PLAN_ID, FRIENDLY)

# Old SQLite builds allow 999 bound parameters per statement.
CHUNK = 500

# PostgreSQL enforces these widths and SQLite does not: check() holds both stores to them.
WIDTHS = {
    name: cast(String, column.type).length or 10**6
    for name, column in (
        (PRODUCT, skus.c.product_name),
        (PART, skus.c.sku_part_number),
        (SERVICE, service_plans.c.service_name),
        (FRIENDLY, service_plans.c.display_name),
    )
}


class Row(NamedTuple):
    product: str
    part: str
    sku_id: uuid.UUID
    service: str
    plan_id: uuid.UUID
    friendly: str


@dataclass
class CheckedCatalog:
    """The catalog's final state as the file(s) describe it, ready to write."""

    read: int = 0
    skus: dict[uuid.UUID, dict[str, str]] = field(default_factory=dict)
    plans: dict[uuid.UUID, dict[str, str]] = field(default_factory=dict)
    links: dict[uuid.UUID, set[uuid.UUID]] = field(default_factory=dict)


@dataclass
class _Name:
    """One display name a SKU GUID appears under."""

    first: int
    part: str
    plans: set[uuid.UUID] = field(default_factory=set)


@dataclass
class _Votes:
    """Every spelling one field of one plan has in the file: how often, and where first."""

    count: Counter[str] = field(default_factory=Counter)
    first: dict[str, int] = field(default_factory=dict)

    def add(self, value: str, position: int) -> None:
        self.count[value] += 1
        self.first.setdefault(value, position)


def _parse(file: str, line: int, raw: dict[str, str]) -> Row:
    values = {name: clean(raw.get(name)) for name in COLUMNS}
    ids: dict[str, uuid.UUID] = {}
    for name in (SKU_ID, PLAN_ID):
        try:
            ids[name] = uuid.UUID(values[name])
        except ValueError:
            message = f"{name} {values[name]!r} is not a GUID"
            raise InvalidImport(file, f"line {line}", message) from None
    for name, width in WIDTHS.items():
        if not values[name] and name != FRIENDLY:
            raise InvalidImport(file, f"line {line}", f"{name} is empty")
        if len(values[name]) > width:
            message = f"{name} is longer than {width} characters"
            raise InvalidImport(file, f"line {line}", message)
    return Row(
        values[PRODUCT], values[PART], ids[SKU_ID], values[SERVICE], ids[PLAN_ID], values[FRIENDLY]
    )


def _license_group(part: str, product: str) -> str:
    minecraft = part.upper().startswith("MEE_") or "minecraft" in product.casefold()
    return "group2" if minecraft else "group1"


def _product_name(names: dict[str, _Name]) -> str:
    def rank(item: tuple[str, _Name]) -> tuple[bool, int, int]:
        name, seen = item
        return (name.upper().startswith("RETIRED"), -len(seen.plans), seen.first)

    return min(names.items(), key=rank)[0]


def _service_name(votes: _Votes) -> str:
    return min(votes.count, key=lambda name: (-votes.count[name], votes.first[name]))


def _display_name(votes: _Votes, service: str) -> str:
    def rank(name: str) -> tuple[bool, bool, int, int]:
        copy = name.casefold() == service.casefold()
        return (copy, name.isupper(), -votes.count[name], votes.first[name])

    return min(votes.count, key=rank)


class CatalogImporter:
    kind = KIND

    def check(self, request: ImportRequest, progress: Progress) -> CheckedCatalog:
        read, seen = 0, set[Row]()
        names: defaultdict[uuid.UUID, dict[str, _Name]] = defaultdict(dict)
        services: defaultdict[uuid.UUID, _Votes] = defaultdict(_Votes)
        displays: defaultdict[uuid.UUID, _Votes] = defaultdict(_Votes)
        for source in request.files:
            for line, raw in csv_rows(source, progress, COLUMNS):
                read += 1
                row = _parse(source.name, line, raw)
                if row in seen:
                    continue
                seen.add(row)
                position = len(seen)
                name = names[row.sku_id].setdefault(row.product, _Name(position, row.part))
                name.plans.add(row.plan_id)
                services[row.plan_id].add(row.service, position)
                displays[row.plan_id].add(row.friendly or row.service, position)
        checked = CheckedCatalog(read=read)
        for sku_id, candidates in names.items():
            product = _product_name(candidates)
            part = candidates[product].part
            checked.skus[sku_id] = {
                "sku_part_number": part,
                "product_name": product,
                "license_group": _license_group(part, product),
            }
            checked.links[sku_id] = set[uuid.UUID]().union(*(n.plans for n in candidates.values()))
        for plan_id, votes in services.items():
            service = _service_name(votes)
            display = _display_name(displays[plan_id], service)
            checked.plans[plan_id] = {"service_name": service, "display_name": display}
        return checked

    def apply(
        self,
        connection: Connection,
        request: ImportRequest,
        checked: CheckedCatalog,
        progress: Progress,
    ) -> Counts:
        counts = Counts(read=checked.read)
        _upsert(connection, skus, skus.c.sku_id, checked.skus, counts)
        _upsert(connection, service_plans, service_plans.c.service_plan_id, checked.plans, counts)
        _relink(connection, checked.links, counts)
        write_plan_bodies(connection)  # the SKUs whose plans changed (plan_bodies.py)
        return counts


def _chunks(ids: list[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _upsert(
    connection: Connection,
    table: Table,
    key: Column[uuid.UUID],
    wanted: dict[uuid.UUID, dict[str, str]],
    counts: Counts,
) -> None:
    """Insert the rows the ledger lacks, update those that differ; other columns stay put."""
    if not wanted:
        return
    fields = list(next(iter(wanted.values())))
    current: dict[uuid.UUID, dict[str, str]] = {}
    for chunk in _chunks(list(wanted)):
        query = select(key, *(table.c[name] for name in fields)).where(key.in_(chunk))
        for row in connection.execute(query):
            current[row[0]] = dict(zip(fields, row[1:], strict=True))
    new = [{key.name: id_, **values} for id_, values in wanted.items() if id_ not in current]
    changed = [
        {"b_key": id_, **{f"b_{name}": value for name, value in values.items()}}
        for id_, values in wanted.items()
        if id_ in current and current[id_] != values
    ]
    if new:
        connection.execute(insert(table), new)
    if changed:
        statement = (
            update(table)
            .where(key == bindparam("b_key"))
            .values({name: bindparam(f"b_{name}") for name in fields})
        )
        connection.execute(statement, changed)
    counts.created += len(new)
    counts.updated += len(changed)


def _relink(connection: Connection, links: dict[uuid.UUID, set[uuid.UUID]], counts: Counts) -> None:
    """Make each listed SKU's plans exactly the file's; SKUs the file omits keep theirs."""
    table = sku_service_plans
    current: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for chunk in _chunks(list(links)):
        query = select(table.c.sku_id, table.c.service_plan_id).where(table.c.sku_id.in_(chunk))
        current.update((sku_id, plan_id) for sku_id, plan_id in connection.execute(query))
    wanted = {(sku_id, plan_id) for sku_id, plans in links.items() for plan_id in plans}
    gone, new = current - wanted, wanted - current
    if gone:
        statement = delete(table).where(
            table.c.sku_id == bindparam("b_sku"),
            table.c.service_plan_id == bindparam("b_plan"),
        )
        connection.execute(statement, [{"b_sku": s, "b_plan": p} for s, p in sorted(gone)])
    if new:
        rows = [{"sku_id": s, "service_plan_id": p} for s, p in sorted(new)]
        connection.execute(insert(table), rows)
    counts.removed += len(gone)
    counts.created += len(new)


IMPORTER = CatalogImporter()
