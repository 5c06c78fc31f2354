"""Microsoft Graph exports of one tenant: ``subscribedSkus`` and ``users`` list responses.

``licensehub import graph FILE... [--tenant ID] [--partner ID]`` takes any number of page files
of both responses, in any order, told apart by ``@odata.context`` or else by their items' keys.
A user's ``licenseDetails`` list is refused: it holds one user, and an export replaces the
tenant's whole current state, so importing it would delete everyone else.

The rules:

- Tenant: --tenant, or the "{tenantId}_" prefix of the subscribedSku ids; both must agree.
  An unknown tenant is created under --partner, else under a partner principal's own partner,
  else refused; it is named by the tenant_name option, else by the most common domain of its
  users' UPNs, else by its GUID. A tenant outside the caller's scope is refused.
- An export replaces the tenant's current state and keeps history. Subscriptions (units and
  capability status per SKU) are versioned: a changed one is closed and a new version opened, a
  SKU the export no longer lists is closed. Only subscribedSkus files touch subscriptions and
  only users files touch users and assignments.
- Users are upserted by object id; one missing from the export gets deleted_at and its current
  assignments closed; one that comes back gets deleted_at cleared (counted as updated).
- Assignments, per user and SKU with its set of disabled plans: new, closed, or (disabled plans
  changed) closed and reopened, carrying assigned_at over. A new assignment's assigned_at is the
  earliest assignedDateTime of the user's non-Deleted assignedPlans among plans the catalog
  links to that SKU and to none of the user's other SKUs (plans shared by two SKUs say nothing
  about either); NULL when none match.
- SKUs and plans the catalog lacks are created, named by skuPartNumber / servicePlanName, or by
  their GUID when only a user's assignedLicenses names them. Missing sku_service_plans links are
  added from servicePlans; none are removed.
- Counts: read = items read; created / updated / removed = rows of users, subscriptions and
  assignments; nothing is skipped, so rejected is 0.

check() reads every file and keeps only a summary (the SKUs, which ids were seen); apply()
streams the users files a second time and writes them in batches against the tenant's current
state, read up front in a few queries. Memory grows with the tenant's users (one small entry
per user and per assignment), never with the files.

Longer than most modules because three things belong together here: the Graph format
(validated with JSON paths), the tenant rules, and the versioned writes.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import islice
from typing import Any, NamedTuple, NoReturn, TypeVar

import ijson
from sqlalchemy import Connection, bindparam, func, insert, literal, select, update

from licensehub.importers.base import (
    Counts,
    ImportRefused,
    ImportRequest,
    InvalidImport,
    NoProgress,
    Progress,
    SourceFile,
)
from licensehub.importers.reading import json_items
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
from licensehub.ledger.tables.seats import CAPABILITY_STATUSES
from licensehub.ledger.writes import ensure_service_plan, ensure_sku, ensure_tenant

KIND = "graph"
SKUS_FILE, USERS_FILE = "subscribedSkus", "users"
BATCH = 2000  # users per round of executemany
CHUNK = 500  # ids per IN (...) list
ANALYZE_AFTER = 1000  # new users after which PostgreSQL gets fresh statistics
UNITS = ("enabled", "suspended", "warning", "lockedOut")
LICENSE_DETAILS = (
    "a user's licenseDetails list cannot be imported: export GET /users?$select=id,"
    "userPrincipalName,displayName,accountEnabled,assignedLicenses (every user) instead"
)
T = TypeVar("T")


# --- What an export holds ---------------------------------------------------------------------


@dataclass(frozen=True)
class SubscribedSku:
    sku_id: uuid.UUID
    part_number: str
    status: str
    units: tuple[int, int, int, int]  # prepaidUnits: enabled, suspended, warning, lockedOut
    plans: tuple[tuple[uuid.UUID, str, str], ...]  # servicePlanId, servicePlanName, appliesTo


@dataclass(frozen=True, slots=True)
class GraphUser:
    object_id: uuid.UUID
    upn: str
    display_name: str | None
    enabled: bool
    licenses: dict[uuid.UUID, frozenset[uuid.UUID]]  # skuId -> disabledPlans
    plan_dates: dict[uuid.UUID, datetime]  # servicePlanId -> earliest assignedDateTime


@dataclass
class Checked:
    tenant: uuid.UUID
    skus: list[SubscribedSku] | None  # None: the export has no subscribedSkus file
    user_files: list[SourceFile]
    held_skus: set[uuid.UUID]  # every skuId of the users' assignedLicenses
    disabled_plans: set[uuid.UUID]
    domain: str | None  # the most common UPN domain
    read: int


# --- Validation: a bad value names its file and JSON path --------------------------------------

Part = str | int  # a key or an index below an item


class Where:
    """An item in a file; the path below it is only spelled out when something is wrong."""

    __slots__ = ("file", "path")

    def __init__(self, file: str, path: str) -> None:
        self.file, self.path = file, path

    def fail(self, message: str, *parts: Part) -> NoReturn:
        below = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)
        raise InvalidImport(self.file, self.path + below, message)


def required(data: dict[str, Any], where: Where, *parts: Part) -> Any:
    """data[parts[-1]], where data is the object at parts[:-1]."""
    value = data.get(str(parts[-1]))
    if value is None:
        where.fail(f"missing required field {parts[-1]!r}", *parts[:-1])
    return value


def mapping(value: Any, where: Where, *parts: Part) -> dict[str, Any]:
    if not isinstance(value, dict):
        where.fail(f"expected an object, found {short(value)}", *parts)
    return value


def array(value: Any, where: Where, *parts: Part) -> list[Any]:
    if not isinstance(value, list):
        where.fail(f"expected an array, found {short(value)}", *parts)
    return value


def text(value: Any, limit: int, where: Where, *parts: Part) -> str:
    if not isinstance(value, str) or not value.strip():
        where.fail(f"expected a non-empty string, found {short(value)}", *parts)
    if len(value) > limit:
        where.fail(f"longer than {limit} characters", *parts)
    return value


@lru_cache(maxsize=4096)
def catalog_id(value: str) -> uuid.UUID:
    """SKU and plan ids repeat on every user: parse each once, and share the object."""
    return uuid.UUID(value)


def guid(
    value: Any, where: Where, *parts: Part, parse: Callable[[str], uuid.UUID] = uuid.UUID
) -> uuid.UUID:
    if isinstance(value, str):
        try:
            return parse(value)
        except ValueError:
            pass
    where.fail(f"not a GUID: {short(value)}", *parts)


def units(value: Any, where: Where, *parts: Part) -> int:
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or value < 0:
        where.fail(f"expected a whole number of units >= 0, found {short(value)}", *parts)
    return int(value)


def timestamp(value: Any, where: Where, *parts: Part) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        where.fail(f"not an ISO 8601 date and time: {short(value)}", *parts)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


# --- The two item formats ---------------------------------------------------------------------


def parse_sku(item: Any, where: Where) -> tuple[uuid.UUID, SubscribedSku]:
    """The tenant the item belongs to (from its id) and the SKU."""
    data = mapping(item, where)
    sku_id = guid(required(data, where, "skuId"), where, "skuId", parse=catalog_id)
    raw_id = required(data, where, "id")
    tenant_part, _, sku_part = str(raw_id).partition("_")
    tenant = guid(tenant_part, where, "id")
    if guid(sku_part, where, "id") != sku_id:
        where.fail(f"{short(raw_id)} is not '{{tenantId}}_{{skuId}}' for skuId {sku_id}", "id")
    status = required(data, where, "capabilityStatus")
    if status not in CAPABILITY_STATUSES:
        where.fail(f"unknown capabilityStatus {short(status)}", "capabilityStatus")
    prepaid = mapping(required(data, where, "prepaidUnits"), where, "prepaidUnits")
    counts = [
        units(required(prepaid, where, "prepaidUnits", n), where, "prepaidUnits", n) for n in UNITS
    ]
    plans = array(required(data, where, "servicePlans"), where, "servicePlans")
    return tenant, SubscribedSku(
        sku_id=sku_id,
        part_number=text(required(data, where, "skuPartNumber"), 128, where, "skuPartNumber"),
        status=status,
        units=(counts[0], counts[1], counts[2], counts[3]),
        plans=tuple(parse_plan(plan, where, "servicePlans", i) for i, plan in enumerate(plans)),
    )


def parse_plan(item: Any, where: Where, *at: Part) -> tuple[uuid.UUID, str, str]:
    data = mapping(item, where, *at)
    plan_id = required(data, where, *at, "servicePlanId")
    name = required(data, where, *at, "servicePlanName")
    return (
        guid(plan_id, where, *at, "servicePlanId", parse=catalog_id),
        text(name, 128, where, *at, "servicePlanName"),
        text(data.get("appliesTo") or "User", 16, where, *at, "appliesTo"),
    )


def parse_user(item: Any, where: Where) -> GraphUser:
    data = mapping(item, where)
    enabled = required(data, where, "accountEnabled")
    if not isinstance(enabled, bool):
        where.fail(f"expected true or false, found {short(enabled)}", "accountEnabled")
    name = data.get("displayName")
    return GraphUser(
        object_id=guid(required(data, where, "id"), where, "id"),
        upn=text(required(data, where, "userPrincipalName"), 320, where, "userPrincipalName"),
        display_name=None if name is None else text(name, 256, where, "displayName"),
        enabled=enabled,
        licenses=parse_licenses(required(data, where, "assignedLicenses"), where),
        plan_dates=parse_assigned_plans(data.get("assignedPlans") or [], where),
    )


def parse_licenses(value: Any, where: Where) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    licenses: dict[uuid.UUID, frozenset[uuid.UUID]] = {}
    for i, item in enumerate(array(value, where, "assignedLicenses")):
        at = ("assignedLicenses", i)
        data = mapping(item, where, *at)
        sku_id = guid(required(data, where, *at, "skuId"), where, *at, "skuId", parse=catalog_id)
        if sku_id in licenses:
            where.fail(f"skuId {sku_id} is assigned twice to the user", *at, "skuId")
        disabled = array(data.get("disabledPlans") or [], where, *at, "disabledPlans")
        licenses[sku_id] = frozenset(
            guid(plan, where, *at, "disabledPlans", j, parse=catalog_id)
            for j, plan in enumerate(disabled)
        )
    return licenses


def parse_assigned_plans(value: Any, where: Where) -> dict[uuid.UUID, datetime]:
    """servicePlanId -> earliest assignedDateTime, Deleted plans left out."""
    dates: dict[uuid.UUID, datetime] = {}
    for i, item in enumerate(array(value, where, "assignedPlans")):
        at = ("assignedPlans", i)
        data = mapping(item, where, *at)
        plan_id = required(data, where, *at, "servicePlanId")
        plan = guid(plan_id, where, *at, "servicePlanId", parse=catalog_id)
        when = timestamp(
            required(data, where, *at, "assignedDateTime"), where, *at, "assignedDateTime"
        )
        if data.get("capabilityStatus") != "Deleted" and (plan not in dates or when < dates[plan]):
            dates[plan] = when
    return dates


# --- Telling the files apart ------------------------------------------------------------------


def file_kind(source: SourceFile) -> str:
    """subscribedSkus or users: by @odata.context when it precedes the items, else by the first
    item's keys."""
    context = odata_context(source)
    if context is not None:
        return kind_from_context(source, context)
    for path, item in json_items(source, NoProgress(), "value.item"):
        keys = item.keys() if isinstance(item, dict) else ()
        if "prepaidUnits" in keys:
            return SKUS_FILE
        if "userPrincipalName" in keys or "assignedLicenses" in keys:
            return USERS_FILE
        if "servicePlans" in keys:
            raise InvalidImport(source.name, path, LICENSE_DETAILS)
        break
    raise InvalidImport(source.name, None, "neither a subscribedSkus nor a users list from Graph")


def odata_context(source: SourceFile) -> str | None:
    with source.path.open("rb") as raw:
        if raw.read(3) != b"\xef\xbb\xbf":
            raw.seek(0)
        try:
            for prefix, event, value in ijson.parse(raw):
                if prefix == "@odata.context" and event == "string":
                    return str(value)
                if prefix == "value" and event == "start_array":
                    return None
        except ijson.JSONError as exc:
            raise InvalidImport(source.name, "$", f"not valid JSON ({exc})") from None
    return None


def kind_from_context(source: SourceFile, context: str) -> str:
    fragment = context.rpartition("#")[2]
    if re.fullmatch(r"subscribedSkus(\(.*\))?", fragment):
        return SKUS_FILE
    if re.fullmatch(r"users(\([^']*\))?", fragment):  # users(id,...) from $select, not users('x')
        return USERS_FILE
    message = (
        LICENSE_DETAILS
        if "licenseDetails" in fragment
        else (f"{context!r} is neither a subscribedSkus nor a users list")
    )
    raise InvalidImport(source.name, "$['@odata.context']", message)


# --- check(): read everything, keep a summary --------------------------------------------------


def stream_users(files: Iterable[SourceFile], progress: Progress) -> Iterator[GraphUser]:
    for source in files:
        for path, item in json_items(source, progress, "value.item"):
            yield parse_user(item, Where(source.name, path))


@dataclass
class Scan:
    """What check() gathers while it reads."""

    tenant: uuid.UUID | None
    skus: dict[uuid.UUID, SubscribedSku] | None = None
    user_files: list[SourceFile] = field(default_factory=list)
    user_ids: set[int] = field(default_factory=set)  # uuid.int, for duplicates across pages
    held_skus: set[uuid.UUID] = field(default_factory=set)
    disabled_plans: set[uuid.UUID] = field(default_factory=set)
    domains: Counter[str] = field(default_factory=Counter)
    read: int = 0

    def read_skus(self, source: SourceFile, progress: Progress) -> None:
        self.skus = {} if self.skus is None else self.skus
        for path, item in json_items(source, progress, "value.item"):
            where = Where(source.name, path)
            tenant, sku = parse_sku(item, where)
            if self.tenant is None:
                self.tenant = tenant
            elif tenant != self.tenant:
                where.fail(f"belongs to tenant {tenant}, not {self.tenant}", "id")
            if sku.sku_id in self.skus:
                where.fail(f"SKU {sku.sku_id} is listed twice", "skuId")
            self.skus[sku.sku_id] = sku
            self.read += 1

    def read_users(self, source: SourceFile, progress: Progress) -> None:
        self.user_files.append(source)
        for path, item in json_items(source, progress, "value.item"):
            user = parse_user(item, Where(source.name, path))
            if user.object_id.int in self.user_ids:
                raise InvalidImport(source.name, f"{path}.id", f"user {user.object_id} twice")
            self.user_ids.add(user.object_id.int)
            self.held_skus.update(user.licenses)
            for disabled in user.licenses.values():
                self.disabled_plans.update(disabled)
            self.domains[user.upn.rpartition("@")[2].lower()] += 1
            self.read += 1

    def checked(self, first_file: str) -> Checked:
        if self.tenant is None:
            raise InvalidImport(
                first_file, None, "cannot tell which tenant: give --tenant or its subscribedSkus"
            )
        top = [domain for domain, _ in self.domains.most_common(1) if domain]
        return Checked(
            tenant=self.tenant,
            skus=None if self.skus is None else list(self.skus.values()),
            user_files=self.user_files,
            held_skus=self.held_skus,
            disabled_plans=self.disabled_plans,
            domain=top[0][:256] if top else None,
            read=self.read,
        )


def check_files(request: ImportRequest, progress: Progress) -> Checked:
    if not request.files:
        raise ImportRefused("no files to import")
    kinds = [(source, file_kind(source)) for source in request.files]
    scan = Scan(tenant=request.tenant)
    # SKU files first: their ids name the tenant, so a mismatch is reported where it is.
    for source, kind in sorted(kinds, key=lambda pair: pair[1] != SKUS_FILE):
        if kind == SKUS_FILE:
            scan.read_skus(source, progress)
        else:
            scan.read_users(source, progress)
    return scan.checked(request.files[0].name)


# --- apply(): the tenant and the catalog --------------------------------------------------------


def resolve_tenant(connection: Connection, request: ImportRequest, checked: Checked) -> int:
    """The tenant's row id, created when new; refused outside the caller's scope."""
    row_id = connection.execute(
        select(tenants.c.id).where(tenants.c.tenant_id == checked.tenant)
    ).scalar()
    if row_id is None:
        row_id, _ = ensure_tenant(
            connection,
            checked.tenant,
            name=request.options.get("tenant_name") or checked.domain,
            partner_id=partner_for_new_tenant(request, checked.tenant),
            now=request.now,
        )
    scoped = tenants.c.id == row_id, request.scope.restrict(tenants.c.id)
    if connection.execute(select(tenants.c.id).where(*scoped)).first() is None:
        raise ImportRefused(f"tenant {checked.tenant} is not one you may import")
    return int(row_id)


def partner_for_new_tenant(request: ImportRequest, tenant: uuid.UUID) -> int:
    principal = request.principal
    if principal is None or principal.kind == "operator":
        if request.partner_id is None:
            raise ImportRefused(
                f"tenant {tenant} is not in the ledger; give --partner to create it under one"
            )
        return request.partner_id
    if principal.kind == "partner" and request.partner_id in (None, principal.partner_id):
        assert principal.partner_id is not None
        return principal.partner_id
    raise ImportRefused(f"tenant {tenant} is not in the ledger, and you may not create it there")


def refuse_if_ledger_is_newer(connection: Connection, tenant: int, now: datetime) -> None:
    for table in (subscriptions, license_assignments):
        latest = connection.execute(
            select(func.max(table.c.valid_from)).where(table.c.tenant_id == tenant)
        ).scalar()
        if latest is not None and latest > now:
            raise ImportRefused(
                f"the ledger holds this tenant's state as of {latest.isoformat()}, "
                f"later than this import ({now.isoformat()})"
            )


def update_catalog(connection: Connection, checked: Checked) -> None:
    """Create the SKUs and plans the catalog lacks; add the SKU-plan links servicePlans show."""
    listed = checked.skus or []
    sku_names = {sku: str(sku) for sku in checked.held_skus}
    sku_names.update({sku.sku_id: sku.part_number for sku in listed})
    plan_names = {plan: (str(plan), "User") for plan in checked.disabled_plans}
    plan_names.update({plan: (name, to) for sku in listed for plan, name, to in sku.plans})
    known_skus = set(existing(connection, skus.c.sku_id, sku_names))
    for sku_id in sku_names.keys() - known_skus:
        ensure_sku(connection, sku_id, sku_names[sku_id])
    known_plans = set(existing(connection, service_plans.c.service_plan_id, plan_names))
    for plan_id in plan_names.keys() - known_plans:
        ensure_service_plan(connection, plan_id, *plan_names[plan_id])
    links = {(sku.sku_id, plan[0]) for sku in listed for plan in sku.plans}
    missing = links - set(links_of(connection, (sku.sku_id for sku in listed)))
    if missing:
        rows = [{"sku_id": sku, "service_plan_id": plan} for sku, plan in missing]
        connection.execute(insert(sku_service_plans), rows)


def existing(connection: Connection, column: Any, ids: Iterable[uuid.UUID]) -> Iterator[Any]:
    for chunk in batched(ids, CHUNK):
        yield from connection.execute(select(column).where(column.in_(chunk))).scalars()


def links_of(
    connection: Connection, sku_ids: Iterable[uuid.UUID]
) -> Iterator[tuple[uuid.UUID, uuid.UUID]]:
    link = sku_service_plans.c
    for chunk in batched(sku_ids, CHUNK):
        query = select(link.sku_id, link.service_plan_id).where(link.sku_id.in_(chunk))
        yield from connection.execute(query)


# --- apply(): subscriptions ---------------------------------------------------------------------


def replace_subscriptions(
    connection: Connection, tenant: int, listed: list[SubscribedSku], now: datetime
) -> Counts:
    counts, s = Counts(), subscriptions.c
    query = select(
        s.id,
        s.sku_id,
        s.enabled_units,
        s.suspended_units,
        s.warning_units,
        s.locked_out_units,
        s.capability_status,
    )
    current = {
        row.sku_id: (row.id, tuple(row[2:6]), row.capability_status)
        for row in connection.execute(query.where(s.tenant_id == tenant, s.valid_to.is_(None)))
    }
    to_close, to_insert = [], []
    for sku in listed:
        found = current.pop(sku.sku_id, None)
        if found is not None and found[1:] == (sku.units, sku.status):
            continue
        if found is not None:
            to_close.append(found[0])
        to_insert.append(
            dict(
                zip(
                    ("enabled_units", "suspended_units", "warning_units", "locked_out_units"),
                    sku.units,
                    strict=True,
                ),
                tenant_id=tenant,
                sku_id=sku.sku_id,
                capability_status=sku.status,
                valid_from=now,
            )
        )
    gone = [found[0] for found in current.values()]
    close(connection, subscriptions, to_close + gone, now)
    if to_insert:
        connection.execute(insert(subscriptions), to_insert)
    counts.created, counts.updated = len(to_insert) - len(to_close), len(to_close)
    counts.removed = len(gone)
    return counts


def close(connection: Connection, table: Any, ids: Sequence[int], now: datetime) -> None:
    """End the current versions with these ids."""
    for chunk in batched(ids, CHUNK):
        connection.execute(update(table).where(table.c.id.in_(chunk)).values(valid_to=now))


# --- apply(): users and assignments -------------------------------------------------------------


class KnownUser(NamedTuple):
    row_id: int
    upn: str
    display_name: str | None
    enabled: bool
    deleted: bool


class Held(NamedTuple):
    assignment_id: int
    disabled: frozenset[uuid.UUID]


NewAssignment = tuple[frozenset[uuid.UUID], datetime | None]  # disabled plans, assigned_at


@dataclass
class UserSync:
    """The tenant's current users and assignments, brought batch by batch to what the export
    says. Whatever is left in `users` and `held` at the end is gone from the export.

    New rows are written with plain executemany (no RETURNING, which PostgreSQL drivers
    cannot batch cheaply): assignments find their user, and disabled plans their assignment,
    by INSERT ... SELECT on the (tenant, object id) and (user, SKU) unique keys."""

    connection: Connection
    tenant: int
    now: datetime
    users: dict[uuid.UUID, KnownUser]
    held: dict[tuple[int, uuid.UUID], Held]  # (user row id, SKU) -> current assignment
    links: dict[uuid.UUID, frozenset[uuid.UUID]]  # SKU -> its plans, for assigned_at
    counts: Counts = field(default_factory=Counts)
    added: int = 0  # users inserted so far
    analyzed: bool = False

    def sync(self, batch: list[GraphUser]) -> None:
        new, changed, row_ids = [], [], {}
        for user in batch:
            known = self.users.pop(user.object_id, None)
            if known is None:
                new.append(user)
                continue
            row_ids[user.object_id] = known.row_id
            said = (user.upn, user.display_name, user.enabled)
            if known.deleted or (known.upn, known.display_name, known.enabled) != said:
                changed.append((known.row_id, user))
        self.insert_users(new)
        self.update_users(changed)
        self.sync_assignments(batch, row_ids)
        self.refresh_statistics(len(new))

    def insert_users(self, new: list[GraphUser]) -> None:
        if not new:
            return
        rows = [
            {
                "tenant_id": self.tenant,
                "object_id": u.object_id,
                "user_principal_name": u.upn,
                "display_name": u.display_name,
                "account_enabled": u.enabled,
                "created_at": self.now,
            }
            for u in new
        ]
        self.connection.execute(insert(users), rows)
        self.counts.created += len(rows)

    def refresh_statistics(self, added: int) -> None:
        """PostgreSQL plans a prepared statement (and each foreign-key check) once per session.
        Planned while `users` and `license_assignments` looked small, every lookup in them
        scans the whole table: quadratic on a first large import. Fresh statistics, once this
        import has added many users, make the plans use the indexes."""
        self.added += added
        if self.added >= ANALYZE_AFTER and not self.analyzed:
            self.analyzed = True
            if self.connection.dialect.name == "postgresql":
                self.connection.exec_driver_sql("ANALYZE users, license_assignments")

    def update_users(self, changed: list[tuple[int, GraphUser]]) -> None:
        if not changed:
            return
        statement = (
            update(users)
            .where(users.c.id == bindparam("row_id"))
            .values(
                user_principal_name=bindparam("upn"),
                display_name=bindparam("name"),
                account_enabled=bindparam("enabled"),
                deleted_at=None,
            )
        )
        rows = [
            {"row_id": row_id, "upn": u.upn, "name": u.display_name, "enabled": u.enabled}
            for row_id, u in changed
        ]
        self.connection.execute(statement, rows)
        self.counts.updated += len(rows)

    def sync_assignments(self, batch: list[GraphUser], row_ids: dict[uuid.UUID, int]) -> None:
        new: dict[tuple[uuid.UUID, uuid.UUID], NewAssignment] = {}  # (object id, SKU) ->
        replaced: dict[tuple[uuid.UUID, uuid.UUID], int] = {}  # -> the version it replaces
        for user in batch:
            row_id = row_ids.get(user.object_id)  # None: a new user, who holds nothing yet
            for sku_id, disabled in user.licenses.items():
                found = None if row_id is None else self.held.pop((row_id, sku_id), None)
                if found is not None and found.disabled == disabled:
                    continue
                if found is not None:
                    replaced[(user.object_id, sku_id)] = found.assignment_id
                new[(user.object_id, sku_id)] = disabled, self.assigned_at(user, sku_id)
        self.counts.updated += len(replaced)
        self.counts.created += len(new) - len(replaced)
        carried = self.assigned_dates(replaced.values())
        for key, previous in replaced.items():
            new[key] = new[key][0], carried[previous] or new[key][1]
        close(self.connection, license_assignments, list(replaced.values()), self.now)
        self.insert_assignments(new)

    def assigned_at(self, user: GraphUser, sku_id: uuid.UUID) -> datetime | None:
        if not user.plan_dates:
            return None
        own = set(self.links.get(sku_id, ()))
        for other in user.licenses:
            if other != sku_id:
                own -= self.links.get(other, frozenset())
        return min((user.plan_dates[p] for p in own if p in user.plan_dates), default=None)

    def assigned_dates(self, ids: Iterable[int]) -> dict[int, datetime | None]:
        """When the versions being replaced say their licenses were first assigned."""
        la, dates = license_assignments.c, {}
        for chunk in batched(ids, CHUNK):
            query = select(la.id, la.assigned_at).where(la.id.in_(chunk))
            dates.update({row.id: row.assigned_at for row in self.connection.execute(query)})
        return dates

    def insert_assignments(self, new: dict[tuple[uuid.UUID, uuid.UUID], NewAssignment]) -> None:
        if not new:
            return
        rows = [
            {"object_id": object_id, "sku_id": sku_id, "assigned_at": assigned_at}
            for (object_id, sku_id), (_, assigned_at) in new.items()
        ]
        self.connection.execute(self.assignment_insert(), rows)
        disabled = [
            {"object_id": object_id, "sku_id": sku_id, "plan_id": plan_id}
            for (object_id, sku_id), (plans, _) in new.items()
            for plan_id in plans
        ]
        if disabled:
            self.connection.execute(self.disabled_plan_insert(), disabled)

    def assignment_insert(self) -> Any:
        la, u = license_assignments.c, users.c
        user_row = select(
            literal(self.tenant, la.tenant_id.type),
            u.id,
            bindparam("sku_id", type_=la.sku_id.type),
            bindparam("assigned_at", type_=la.assigned_at.type),
            literal(self.now, la.valid_from.type),
        ).where(u.tenant_id == self.tenant, u.object_id == bindparam("object_id"))
        columns = ["tenant_id", "user_id", "sku_id", "assigned_at", "valid_from"]
        return insert(license_assignments).from_select(columns, user_row)

    def disabled_plan_insert(self) -> Any:
        la, u = license_assignments.c, users.c
        assignment = (
            select(la.id, bindparam("plan_id", type_=la.sku_id.type))
            .join(users, u.id == la.user_id)
            .where(
                u.tenant_id == self.tenant,
                u.object_id == bindparam("object_id"),
                la.sku_id == bindparam("sku_id"),
                la.valid_to.is_(None),
            )
        )
        columns = ["assignment_id", "service_plan_id"]
        return insert(assignment_disabled_plans).from_select(columns, assignment)

    def finish(self) -> None:
        """Users the export no longer lists are deleted; assignments it no longer lists close."""
        gone = [known.row_id for known in self.users.values() if not known.deleted]
        for chunk in batched(gone, CHUNK):
            self.connection.execute(
                update(users).where(users.c.id.in_(chunk)).values(deleted_at=self.now)
            )
        closed = [found.assignment_id for found in self.held.values()]
        close(self.connection, license_assignments, closed, self.now)
        self.counts.removed += len(gone) + len(closed)


def load_users(connection: Connection, tenant: int) -> dict[uuid.UUID, KnownUser]:
    u = users.c
    query = select(
        u.object_id, u.id, u.user_principal_name, u.display_name, u.account_enabled, u.deleted_at
    ).where(u.tenant_id == tenant)
    return {
        row.object_id: KnownUser(*row[1:5], deleted=row.deleted_at is not None)
        for row in connection.execute(query)
    }


def load_assignments(connection: Connection, tenant: int) -> dict[tuple[int, uuid.UUID], Held]:
    """The tenant's current assignments; equal SKU ids and disabled sets share one object."""
    la, adp = license_assignments.c, assignment_disabled_plans.c
    current = (la.tenant_id == tenant, la.valid_to.is_(None))
    disabled: dict[int, set[uuid.UUID]] = {}
    query = select(adp.assignment_id, adp.service_plan_id).join(
        license_assignments, la.id == adp.assignment_id
    )
    for assignment_id, plan_id in connection.execute(query.where(*current)):
        disabled.setdefault(assignment_id, set()).add(catalog_id(str(plan_id)))
    shared: dict[frozenset[uuid.UUID], frozenset[uuid.UUID]] = {}
    held = {}
    for row in connection.execute(select(la.id, la.user_id, la.sku_id).where(*current)):
        plans = frozenset(disabled.pop(row.id, ()))
        sku_id = catalog_id(str(row.sku_id))
        held[(row.user_id, sku_id)] = Held(row.id, shared.setdefault(plans, plans))
    return held


def replace_users(
    connection: Connection, tenant: int, checked: Checked, now: datetime, progress: Progress
) -> Counts:
    links: dict[uuid.UUID, set[uuid.UUID]] = {}
    for sku_id, plan_id in links_of(connection, checked.held_skus):
        links.setdefault(sku_id, set()).add(plan_id)
    sync = UserSync(
        connection,
        tenant,
        now,
        users=load_users(connection, tenant),
        held=load_assignments(connection, tenant),
        links={sku: frozenset(plans) for sku, plans in links.items()},
    )
    for batch in batched(stream_users(checked.user_files, progress), BATCH):
        sync.sync(batch)
    sync.finish()
    return sync.counts


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- The importer -----------------------------------------------------------------------------


class GraphImporter:
    kind = KIND

    def check(self, request: ImportRequest, progress: Progress) -> Checked:
        return check_files(request, progress)

    def apply(
        self, connection: Connection, request: ImportRequest, checked: Checked, progress: Progress
    ) -> Counts:
        tenant = resolve_tenant(connection, request, checked)
        refuse_if_ledger_is_newer(connection, tenant, request.now)
        update_catalog(connection, checked)
        parts = []
        if checked.skus is not None:
            parts.append(replace_subscriptions(connection, tenant, checked.skus, request.now))
        if checked.user_files:
            parts.append(replace_users(connection, tenant, checked, request.now, progress))
        return Counts(
            read=checked.read,
            created=sum(part.created for part in parts),
            updated=sum(part.updated for part in parts),
            removed=sum(part.removed for part in parts),
        )


IMPORTER = GraphImporter()
