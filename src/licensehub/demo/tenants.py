"""Partners, their customer tenants, the tenants' users, who holds which license since when,
and the seats each tenant bought."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from licensehub.demo.catalog import Sku
from licensehub.demo.context import DemoContext
from licensehub.demo.people import PARTNERS, TENANTS, TenantProfile, person_names
from licensehub.ledger.tables import (
    assignment_disabled_plans,
    license_assignments,
    partners,
    subscriptions,
    tenants,
    users,
)

# Which SKUs a tenant's users hold, by profile: (skuPartNumber, share of users).
PRIMARY = {
    "business": (("O365_BUSINESS_PREMIUM", 0.6), ("SPB", 0.25), ("O365_BUSINESS_ESSENTIALS", 0.15)),
    "enterprise": (("SPE_E3", 0.55), ("ENTERPRISEPACK", 0.3), ("SPE_E5", 0.15)),
    "education": (("STANDARDPACK", 1.0),),
}
ADD_ONS = {
    "business": (("EXCHANGESTANDARD", 0.1),),
    "enterprise": (("POWER_BI_PRO", 0.2), ("MCOEV", 0.15), ("EMS", 0.25)),
    "education": (("MEE_FACULTY", 0.3),),
}

# A license held over [start, end); end None while it is still held.
Holding = tuple[datetime, datetime | None]


@dataclass
class DemoUser:
    id: int
    object_id: uuid.UUID
    display_name: str
    upn: str
    deleted: bool


@dataclass
class DemoTenant:
    id: int
    tenant_id: uuid.UUID
    name: str
    partner_id: int
    users: list[DemoUser] = field(default_factory=list)
    holdings: dict[str, list[Holding]] = field(default_factory=lambda: defaultdict(list))

    @property
    def current_users(self) -> list[DemoUser]:
        return [user for user in self.users if not user.deleted]


def insert_returning_ids(ctx: DemoContext, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    result = ctx.connection.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    return [row.id for row in result]


def build_partners(ctx: DemoContext) -> list[int]:
    rows = [
        {"name": p.name, "partner_tenant_id": p.partner_tenant_id, "created_at": ctx.days_ago(1500)}
        for p in PARTNERS
    ]
    return insert_returning_ids(ctx, partners, rows)


def add_tenant(
    ctx: DemoContext, partner_id: int, tenant_id: uuid.UUID, name: str, domain: str
) -> DemoTenant:
    [row_id] = insert_returning_ids(
        ctx,
        tenants,
        [
            {
                "tenant_id": tenant_id,
                "partner_id": partner_id,
                "name": name,
                "default_domain": f"{domain}.onmicrosoft.com",
                "channel": "reseller",
                "created_at": ctx.days_ago(1000),
                "updated_at": ctx.days_ago(30),
            }
        ],
    )
    return DemoTenant(row_id, tenant_id, name, partner_id)


def add_users(
    ctx: DemoContext, tenant: DemoTenant, domain: str, count: int, offset: int, churn: bool = True
) -> list[tuple[DemoUser, datetime, datetime | None]]:
    """Users with when each joined and, for the few who left, when they left."""
    people: list[tuple[DemoUser, datetime, datetime | None]] = []
    for display_name, nickname in person_names(count, offset):
        recent = churn and ctx.chance(0.15)  # joined within the 90-day window: counts grow
        joined = ctx.days_ago(ctx.rng.uniform(1, 89) if recent else ctx.rng.uniform(100, 900))
        left = ctx.days_ago(ctx.rng.uniform(1, 60)) if churn and ctx.chance(0.04) else None
        if left is not None and left <= joined:
            left = None
        upn = f"{nickname}@{domain}.onmicrosoft.com"
        user = DemoUser(0, ctx.guid(), display_name, upn, deleted=left is not None)
        people.append((user, joined, left))
    rows = [
        {
            "tenant_id": tenant.id,
            "object_id": user.object_id,
            "user_principal_name": user.upn,
            "display_name": user.display_name,
            "account_enabled": left is None,
            "created_at": joined,
            "deleted_at": left,
        }
        for user, joined, left in people
    ]
    for user_id, (user, _, _) in zip(insert_returning_ids(ctx, users, rows), people, strict=True):
        user.id = user_id
        tenant.users.append(user)
    return people


def pick(ctx: DemoContext, shares: tuple[tuple[str, float], ...]) -> str:
    roll, total = ctx.rng.random(), 0.0
    for part_number, share in shares:
        total += share
        if roll < total:
            return part_number
    return shares[-1][0]


# One license a user holds over [start, end).
UserHolding = tuple[DemoUser, str, datetime, datetime | None]


def choose_licenses(
    ctx: DemoContext, kind: str, people: list[tuple[DemoUser, datetime, datetime | None]]
) -> list[UserHolding]:
    held: list[UserHolding] = []
    for user, joined, left in people:
        primary, since = pick(ctx, PRIMARY[kind]), joined
        if primary == "ENTERPRISEPACK" and ctx.chance(0.15):
            # Moved from Office 365 E3 to Microsoft 365 E3 within the window.
            moved = ctx.days_ago(ctx.rng.uniform(5, 85))
            if joined < moved and (left is None or moved < left):
                held.append((user, "ENTERPRISEPACK", joined, moved))
                primary, since = "SPE_E3", moved
        held.append((user, primary, since, left))
        for part_number, share in ADD_ONS[kind]:
            if ctx.chance(share):
                start = joined + timedelta(days=ctx.rng.uniform(0, 20))
                if left is None or start < left:
                    held.append((user, part_number, start, left))
    return held


def record_licenses(
    ctx: DemoContext, tenant: DemoTenant, held: Sequence[UserHolding], catalog: dict[str, Sku]
) -> None:
    """Write the assignments; one in ten has Yammer switched off, as admins often do."""
    rows: list[dict[str, Any]] = []
    disabled: list[tuple[int, uuid.UUID]] = []  # (row index, service plan id)
    for user, part_number, start, end in held:
        tenant.holdings[part_number].append((start, end))
        sku = catalog[part_number]
        if ctx.chance(0.1):
            yammer = [pid for pid, name in sku.plans.items() if name == "YAMMER_ENTERPRISE"]
            disabled.extend((len(rows), plan_id) for plan_id in yammer)
        rows.append(
            {
                "tenant_id": tenant.id,
                "user_id": user.id,
                "sku_id": sku.sku_id,
                "assigned_at": start,
                "valid_from": start,
                "valid_to": end,
            }
        )
    if not rows:
        return
    ids = insert_returning_ids(ctx, license_assignments, rows)
    if disabled:
        ctx.connection.execute(
            insert(assignment_disabled_plans),
            [{"assignment_id": ids[i], "service_plan_id": plan_id} for i, plan_id in disabled],
        )


def held_at(holdings: list[Holding], when: datetime) -> int:
    return sum(1 for start, end in holdings if start <= when and (end is None or when < end))


def buy_seats(ctx: DemoContext, tenant: DemoTenant, catalog: dict[str, Sku]) -> None:
    """Seats cover what is assigned plus some spare; seats bought before the window were
    fewer, so the history shows the tenant growing."""
    rows = []
    changed = ctx.days_ago(45)
    for part_number, holdings in sorted(tenant.holdings.items()):
        first = min(start for start, _ in holdings)
        now_units = held_at(holdings, ctx.now) + ctx.rng.randint(0, 5)
        row = {"tenant_id": tenant.id, "sku_id": catalog[part_number].sku_id}
        if first < changed:
            then_units = held_at(holdings, changed) + ctx.rng.randint(0, 3)
            rows.append(
                row | {"enabled_units": then_units, "valid_from": first, "valid_to": changed}
            )
            first = changed
        rows.append(row | {"enabled_units": now_units, "valid_from": first, "valid_to": None})
    ctx.connection.execute(insert(subscriptions), rows)


def build_tenants(
    ctx: DemoContext, partner_ids: list[int], catalog: dict[str, Sku]
) -> dict[str, DemoTenant]:
    built: dict[str, DemoTenant] = {}
    offset = 0
    for profile in TENANTS:
        built[profile.name] = build_tenant(
            ctx, profile, partner_ids[profile.partner], catalog, offset
        )
        offset += profile.users
    return built


def build_tenant(
    ctx: DemoContext, profile: TenantProfile, partner_id: int, catalog: dict[str, Sku], offset: int
) -> DemoTenant:
    tenant = add_tenant(ctx, partner_id, ctx.guid(), profile.name, profile.domain)
    people = add_users(ctx, tenant, profile.domain, profile.users, offset)
    record_licenses(ctx, tenant, choose_licenses(ctx, profile.kind, people), catalog)
    buy_seats(ctx, tenant, catalog)
    return tenant
