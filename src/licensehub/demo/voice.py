"""Teams voice services (Live Platform): numbers, monitored users and license factors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert

from licensehub.demo.context import DemoContext
from licensehub.demo.tenants import DemoTenant, DemoUser, insert_returning_ids
from licensehub.ledger.tables import (
    voice_license_factors,
    voice_monitored_users,
    voice_phone_numbers,
    voice_services,
)


@dataclass(frozen=True)
class VoicePlan:
    """How one demo service is populated; counts are of the tenant's current users."""

    tenant: str
    kind: str
    ump_customer_guid: uuid.UUID | None
    acquired: int
    direct_routing_users: int = 0
    operator_connect_users: int = 0
    lifecycle_users: int = 0
    interface_users: int = 0
    # Non-user targets: (number type, assignment status, target type).
    service_targets: tuple[tuple[str, str, str], ...] = ()
    spare_numbers: int = 0
    # A per-service override of the factors, or None to inherit the partner's.
    override: dict[str, bool] | None = None


def monitored_row(user: DemoUser, **how: Any) -> dict[str, Any]:
    return {"user_id": user.id, "lifecycle_template": None, "ui_updated_at": None} | how


def add_service(ctx: DemoContext, tenant: DemoTenant, plan: VoicePlan, prefix: str) -> int:
    [service_id] = insert_returning_ids(
        ctx,
        voice_services,
        [
            {
                "tenant_id": tenant.id,
                "ump_customer_guid": plan.ump_customer_guid,
                "kind": plan.kind,
                "name": f"{tenant.name} - Teams Voice",
                "acquired_licenses": plan.acquired,
                "created_at": ctx.days_ago(400),
                "last_update": ctx.days_ago(ctx.rng.uniform(0.1, 3)),
            }
        ],
    )
    users = tenant.current_users
    numbers: list[dict[str, Any]] = []
    monitored: list[dict[str, Any]] = []

    def number(
        number_type: str,
        status: str,
        target_type: str | None,
        target: str | None,
        user: DemoUser | None = None,
    ) -> None:
        numbers.append(
            {
                "service_id": service_id,
                "telephone_number": f"{prefix}{len(numbers):04d}",
                "number_type": number_type,
                "assignment_status": status,
                "target_type": target_type,
                "target_id": target,
                "user_id": user.id if user else None,
                "voice_routing_policy": "Unrestricted" if number_type == "DirectRouting" else None,
                "updated_at": ctx.days_ago(ctx.rng.uniform(1, 120)),
            }
        )

    cursor = 0
    for number_type, count in (
        ("DirectRouting", plan.direct_routing_users),
        ("OperatorConnect", plan.operator_connect_users),
    ):
        for user in users[cursor : cursor + count]:
            number(number_type, "UserAssigned", "User", str(user.object_id), user)
            monitored.append(monitored_row(user))
        cursor += count
    for user in users[cursor : cursor + plan.lifecycle_users]:
        monitored.append(monitored_row(user, lifecycle_template="Standard Office Worker"))
    cursor += plan.lifecycle_users
    for user in users[cursor : cursor + plan.interface_users]:
        updated = ctx.days_ago(ctx.rng.uniform(1, 60))
        monitored.append(monitored_row(user, ui_updated_at=updated))
    for number_type, status, target_type in plan.service_targets:
        number(number_type, status, target_type, str(ctx.guid()))
    for _ in range(plan.spare_numbers):
        number("DirectRouting", "Unassigned", None, None)

    if monitored and plan.direct_routing_users:
        # One Direct Routing user is also on a template: it still counts once, as Direct Routing.
        monitored[0]["lifecycle_template"] = "Executive"
    if numbers:
        ctx.connection.execute(insert(voice_phone_numbers), numbers)
    if monitored:
        ctx.connection.execute(
            insert(voice_monitored_users), [row | {"service_id": service_id} for row in monitored]
        )
    if plan.override is not None:
        ctx.connection.execute(
            insert(voice_license_factors),
            [{"service_id": service_id, "updated_at": ctx.days_ago(10), **plan.override}],
        )
    return service_id


PLANS = (
    VoicePlan(
        "Northwind Traders",
        "OperatorConnect",
        uuid.UUID("3f6c2a10-8d4b-4c55-9b1e-2a7d0c9e4b11"),
        acquired=120,
        operator_connect_users=40,
        lifecycle_users=25,
        interface_users=12,
        service_targets=(("OperatorConnect", "VoiceApplicationAssigned", "VoiceApplication"),),
    ),
    VoicePlan(
        "Relecloud",
        "DirectRouting",
        uuid.UUID("c7a9e4d2-5b18-4f3a-a6c0-81e2f5d7b903"),
        acquired=80,
        direct_routing_users=35,
        lifecycle_users=10,
        interface_users=20,
        service_targets=(("DirectRouting", "ConferenceAssigned", "ConferenceBridge"),),
        spare_numbers=5,
        override={"by_user_interface": False},
    ),
    # A lead: a license was never applied, so the Live Platform gave it no customer guid.
    VoicePlan("Fourth Coffee", "OperatorConnect", None, acquired=0),
)

# The service provider's global factors, per partner.
PARTNER_FACTORS = (
    {"by_template": True, "by_user_interface": True, "service_numbers": True},
    {"by_template": True, "by_user_interface": True, "service_numbers": False},
)


def build_voice(ctx: DemoContext, tenants: dict[str, DemoTenant], partner_ids: list[int]) -> None:
    ctx.connection.execute(
        insert(voice_license_factors),
        [
            {"partner_id": pid, "updated_at": ctx.days_ago(200), **factors}
            for pid, factors in zip(partner_ids, PARTNER_FACTORS, strict=True)
        ],
    )
    for index, plan in enumerate(PLANS):
        add_service(ctx, tenants[plan.tenant], plan, prefix=f"+1425{index + 2}55")
