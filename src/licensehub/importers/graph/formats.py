"""The two Graph list responses an export is made of, told apart and parsed item by item."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import ijson

from licensehub.importers.base import InvalidImport, NoProgress, SourceFile
from licensehub.importers.graph.fields import Fields, as_guid, catalog_id, instant, short
from licensehub.importers.reading import streamed_items
from licensehub.ledger.tables.seats import CAPABILITY_STATUSES

SKUS_FILE, USERS_FILE = "subscribedSkus", "users"
UNITS = ("enabled", "suspended", "warning", "lockedOut")
LICENSE_DETAILS = (
    "a user's licenseDetails list cannot be imported: export GET /users?$select=id,"
    "userPrincipalName,displayName,accountEnabled,assignedLicenses (every user) instead"
)


@dataclass(frozen=True)
class SubscribedSku:
    sku_id: uuid.UUID
    part_number: str
    status: str
    units: tuple[int, int, int, int]  # prepaidUnits: enabled, suspended, warning, lockedOut
    plans: tuple[tuple[uuid.UUID, str, str], ...]  # servicePlanId, servicePlanName, appliesTo


class GraphUser(NamedTuple):  # a tuple: made for every user, it costs a quarter of a dataclass
    object_id: uuid.UUID
    upn: str
    display_name: str | None
    enabled: bool
    licenses: dict[uuid.UUID, frozenset[uuid.UUID]]  # skuId -> disabledPlans
    # servicePlanId -> earliest assignedDateTime, as a POSIX timestamp: only one per assignment
    # is ever kept, and a float compares, and spools, much faster than an aware datetime.
    plan_dates: dict[uuid.UUID, float]


# --- Telling the files apart ------------------------------------------------------------------


def file_kind(source: SourceFile) -> str:
    """subscribedSkus or users: by @odata.context when it precedes the items, else by the first
    item's keys."""
    context = odata_context(source)
    if context is not None:
        return kind_from_context(source, context)
    # Streamed: only the first item is read.
    for path, item in streamed_items(source, NoProgress(), "value.item"):
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
            # The context comes first: read a little at a time, not ijson's 64 KiB.
            for prefix, event, value in ijson.parse(raw, buf_size=4096):
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


# Most users are fine, and their SKUs, plans and dates repeat: the loops below take a value
# as it is when it parses (cached), and only a member that does not goes through Fields,
# which says what is wrong and where.
UNUSUAL = (KeyError, TypeError, ValueError, AttributeError, OverflowError)


def parse_licenses(user: Fields) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    """skuId -> disabledPlans."""
    licenses: dict[uuid.UUID, frozenset[uuid.UUID]] = {}
    for index, item in enumerate(user.array("assignedLicenses")):
        try:
            sku_id = catalog_id(item["skuId"])
            if sku_id in licenses:
                raise KeyError(sku_id)  # Fields below says so, where
            plans = item.get("disabledPlans") or []
            if type(plans) is not list:
                raise TypeError("disabledPlans")
            disabled = plan_set(tuple(plans))
        except UNUSUAL:
            assigned = user.member("assignedLicenses", index)
            sku_id = assigned.guid("skuId", catalog_id)
            if sku_id in licenses:
                assigned.fail("skuId", f"skuId {sku_id} is assigned twice to the user")
            disabled = assigned.guids("disabledPlans")
        licenses[sku_id] = disabled
    return licenses


@lru_cache(maxsize=4096)
def plan_set(ids: tuple[str, ...]) -> frozenset[uuid.UUID]:
    return frozenset(map(catalog_id, ids))


def parse_assigned_plans(user: Fields) -> dict[uuid.UUID, float]:
    """servicePlanId -> earliest assignedDateTime, Deleted plans left out."""
    dates: dict[uuid.UUID, float] = {}
    for index, item in enumerate(user.array("assignedPlans", required=False)):
        try:
            plan_id = catalog_id(item["servicePlanId"])
            when = instant(item["assignedDateTime"])
        except UNUSUAL:
            plan = user.member("assignedPlans", index)
            plan_id = plan.guid("servicePlanId", catalog_id)
            when = plan.timestamp("assignedDateTime")
        if item.get("capabilityStatus") == "Deleted":
            continue
        if plan_id not in dates or when < dates[plan_id]:
            dates[plan_id] = when
    return dates
