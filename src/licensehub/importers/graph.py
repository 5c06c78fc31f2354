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
from itertools import groupby, islice
from operator import itemgetter
from typing import Any, NamedTuple, NoReturn, TypeVar

import ijson
from sqlalchemy import Connection, Table, bindparam, func, insert, literal, select, update

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
ANALYZE_AFTER = 1000  # rows added to a table before PostgreSQL gets fresh statistics
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


class Fields:
    """A JSON object whose members are read one by one, each checked for presence and type;
    a bad one names its file and JSON path."""

    __slots__ = ("data", "file", "path")

    def __init__(self, value: Any, file: str, path: str) -> None:
        if not isinstance(value, dict):
            raise InvalidImport(file, path, f"expected an object, found {short(value)}")
        self.data, self.file, self.path = value, file, path

    def fail(self, key: str, message: str) -> NoReturn:
        raise InvalidImport(self.file, f"{self.path}.{key}", message)

    def value(self, key: str) -> Any:
        value = self.data.get(key)
        if value is None:
            raise InvalidImport(self.file, self.path, f"missing required field {key!r}")
        return value

    def text(self, key: str, limit: int) -> str:
        value = self.value(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"expected a non-empty string, found {short(value)}")
        if len(value) > limit:
            self.fail(key, f"longer than {limit} characters")
        return value

    def optional_text(self, key: str, limit: int) -> str | None:
        value = self.data.get(key)
        return None if value is None or value == "" else self.text(key, limit)

    def guid(self, key: str, parse: Callable[[str], uuid.UUID] = uuid.UUID) -> uuid.UUID:
        found = as_guid(self.value(key), parse)
        if found is None:
            self.fail(key, f"not a GUID: {short(self.data[key])}")
        return found

    def guids(self, key: str) -> frozenset[uuid.UUID]:
        """An optional array of plan ids, which repeat from user to user."""
        found = set()
        for index, value in enumerate(self.array(key, required=False)):
            guid = as_guid(value, catalog_id)
            if guid is None:
                self.fail(f"{key}[{index}]", f"not a GUID: {short(value)}")
            found.add(guid)
        return frozenset(found)

    def flag(self, key: str) -> bool:
        value = self.value(key)
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, found {short(value)}")
        return value

    def units(self, key: str) -> int:
        value = self.value(key)
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole or value < 0:
            self.fail(key, f"expected a whole number of units >= 0, found {short(value)}")
        return int(value)

    def timestamp(self, key: str) -> datetime:
        value = self.value(key)
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail(key, f"not an ISO 8601 date and time: {short(value)}")
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def array(self, key: str, required: bool = True) -> list[Any]:
        value = self.value(key) if required else self.data.get(key) or []
        if not isinstance(value, list):
            self.fail(key, f"expected an array, found {short(value)}")
        return value

    def object(self, key: str) -> Fields:
        return Fields(self.value(key), self.file, f"{self.path}.{key}")

    def objects(self, key: str, required: bool = True) -> Iterator[Fields]:
        for index, value in enumerate(self.array(key, required)):
            yield Fields(value, self.file, f"{self.path}.{key}[{index}]")


@lru_cache(maxsize=4096)
def catalog_id(value: str) -> uuid.UUID:
    """SKU and plan ids repeat on every user: parse each once, and share the object."""
    return uuid.UUID(value)


def as_guid(value: Any, parse: Callable[[str], uuid.UUID] = uuid.UUID) -> uuid.UUID | None:
    if isinstance(value, str):
        try:
            return parse(value)
        except ValueError:
            pass
    return None


def short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


# --- The two item formats ---------------------------------------------------------------------


def parse_sku(sku: Fields) -> tuple[uuid.UUID, SubscribedSku]:
    """The tenant the item belongs to (from its id) and the SKU."""
    sku_id = sku.guid("skuId", catalog_id)
    tenant_part, _, sku_part = sku.text("id", 100).partition("_")
    tenant = as_guid(tenant_part)
    if tenant is None or as_guid(sku_part) != sku_id:
        sku.fail("id", f"not '{{tenantId}}_{{skuId}}' for skuId {sku_id}")
    status = sku.text("capabilityStatus", 16)
    if status not in CAPABILITY_STATUSES:
        sku.fail("capabilityStatus", f"unknown capabilityStatus {short(status)}")
    prepaid = sku.object("prepaidUnits")
    enabled, suspended, warning, locked_out = (prepaid.units(name) for name in UNITS)
    plans = tuple(
        (
            plan.guid("servicePlanId", catalog_id),
            plan.text("servicePlanName", 128),
            plan.optional_text("appliesTo", 16) or "User",
        )
        for plan in sku.objects("servicePlans")
    )
    return tenant, SubscribedSku(
        sku_id=sku_id,
        part_number=sku.text("skuPartNumber", 128),
        status=status,
        units=(enabled, suspended, warning, locked_out),
        plans=plans,
    )


def parse_user(user: Fields) -> GraphUser:
    return GraphUser(
        object_id=user.guid("id"),
        upn=user.text("userPrincipalName", 320),
        display_name=user.optional_text("displayName", 256),
        enabled=user.flag("accountEnabled"),
        licenses=parse_licenses(user),
        plan_dates=parse_assigned_plans(user),
    )


def parse_licenses(user: Fields) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    """skuId -> disabledPlans."""
    licenses: dict[uuid.UUID, frozenset[uuid.UUID]] = {}
    for assigned in user.objects("assignedLicenses"):
        sku_id = assigned.guid("skuId", catalog_id)
        if sku_id in licenses:
            assigned.fail("skuId", f"skuId {sku_id} is assigned twice to the user")
        licenses[sku_id] = assigned.guids("disabledPlans")
    return licenses


def parse_assigned_plans(user: Fields) -> dict[uuid.UUID, datetime]:
    """servicePlanId -> earliest assignedDateTime, Deleted plans left out."""
    dates: dict[uuid.UUID, datetime] = {}
    for plan in user.objects("assignedPlans", required=False):
        plan_id = plan.guid("servicePlanId", catalog_id)
        when = plan.timestamp("assignedDateTime")
        if plan.data.get("capabilityStatus") == "Deleted":
            continue
        if plan_id not in dates or when < dates[plan_id]:
            dates[plan_id] = when
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
    where = "$['@odata.context']"
    if "licenseDetails" in fragment:
        raise InvalidImport(source.name, where, LICENSE_DETAILS)
    raise InvalidImport(source.name, where, f"{context!r} is neither subscribedSkus nor users")


# --- check(): read everything, keep a summary --------------------------------------------------


def stream_users(files: Iterable[SourceFile], progress: Progress) -> Iterator[GraphUser]:
    for source in files:
        for path, item in json_items(source, progress, "value.item"):
            yield parse_user(Fields(item, source.name, path))


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
            fields = Fields(item, source.name, path)
            tenant, sku = parse_sku(fields)
            if self.tenant is None:
                self.tenant = tenant
            elif tenant != self.tenant:
                fields.fail("id", f"belongs to tenant {tenant}, not {self.tenant}")
            if sku.sku_id in self.skus:
                fields.fail("skuId", f"SKU {sku.sku_id} is listed twice")
            self.skus[sku.sku_id] = sku
            self.read += 1

    def read_users(self, source: SourceFile, progress: Progress) -> None:
        self.user_files.append(source)
        for path, item in json_items(source, progress, "value.item"):
            user = parse_user(Fields(item, source.name, path))
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
                first_file,
                None,
                "cannot tell which tenant this is: give --tenant or its subscribedSkus response",
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
        to_insert.append(subscription_row(tenant, sku, now))
    gone = [found[0] for found in current.values()]
    close(connection, subscriptions, to_close + gone, now)
    if to_insert:
        connection.execute(insert(subscriptions), to_insert)
    counts.created, counts.updated = len(to_insert) - len(to_close), len(to_close)
    counts.removed = len(gone)
    return counts


def subscription_row(tenant: int, sku: SubscribedSku, now: datetime) -> dict[str, Any]:
    enabled, suspended, warning, locked_out = sku.units
    return {
        "tenant_id": tenant,
        "sku_id": sku.sku_id,
        "enabled_units": enabled,
        "suspended_units": suspended,
        "warning_units": warning,
        "locked_out_units": locked_out,
        "capability_status": sku.status,
        "valid_from": now,
    }


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
    added: dict[str, int] = field(default_factory=dict)  # rows inserted, per table
    analyzed: set[str] = field(default_factory=set)

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
        self.grew(users, len(rows))

    def grew(self, table: Table, rows: int) -> None:
        """PostgreSQL plans a prepared statement, and each foreign-key check, once per session.
        Planned while `users` or `license_assignments` looked small, every lookup in them
        scans the whole table: quadratic on a first large import. Fresh statistics, once this
        import has added many rows to a table, make those plans use the indexes."""
        self.added[table.name] = self.added.get(table.name, 0) + rows
        if self.added[table.name] >= ANALYZE_AFTER and table.name not in self.analyzed:
            self.analyzed.add(table.name)
            if self.connection.dialect.name == "postgresql":
                self.connection.exec_driver_sql(f"ANALYZE {table.name}")

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
        self.grew(license_assignments, len(rows))
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
    query = (
        select(la.id, la.user_id, la.sku_id, adp.service_plan_id)
        .outerjoin(assignment_disabled_plans, adp.assignment_id == la.id)
        .where(la.tenant_id == tenant, la.valid_to.is_(None))
        .order_by(la.id)
    )
    shared: dict[Any, Any] = {}
    held = {}
    for (assignment_id, user_id, sku_id), rows in groupby(
        connection.execute(query), itemgetter(0, 1, 2)
    ):
        plans = frozenset(row.service_plan_id for row in rows if row.service_plan_id is not None)
        key = (user_id, shared.setdefault(sku_id, sku_id))
        held[key] = Held(assignment_id, shared.setdefault(plans, plans))
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
        for source in request.files:  # only users files are read twice
            if source not in checked.user_files:
                progress.advance(source.size)
        return Counts(
            read=checked.read,
            created=sum(part.created for part in parts),
            updated=sum(part.updated for part in parts),
            removed=sum(part.removed for part in parts),
            tenant_id=tenant,
        )


IMPORTER = GraphImporter()
