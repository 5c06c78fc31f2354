"""Veeam Backup for Microsoft 365 organizations and the users they protect."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import insert

from licensehub.demo.context import DemoContext
from licensehub.demo.tenants import DemoTenant, DemoUser, insert_returning_ids
from licensehub.ledger.tables import backup_organizations, backup_protected_users


@dataclass(frozen=True)
class BackupPlan:
    tenant: str
    organization_id: uuid.UUID
    license_type: str
    limit: int
    recent_users: int  # backed up within the last 31 days: they consume a license
    stale_users: int  # last backed up longer ago: they no longer do
    new_users: int = 0  # of the recent ones, first processed in the current rental period


def protected_user(
    ctx: DemoContext, org_id: int, user: DemoUser, first: Any, last: Any
) -> dict[str, Any]:
    return {
        "organization_id": org_id,
        "backup_user_id": ctx.guid(),
        "user_id": user.id,
        "name": user.display_name,
        "email": user.upn,
        "first_backup_time": first,
        "last_backup_time": last,
    }


def add_organization(ctx: DemoContext, tenant: DemoTenant, plan: BackupPlan) -> None:
    domain = tenant.current_users[0].upn.split("@")[1]
    period_start = ctx.days_ago(20)
    [org_id] = insert_returning_ids(
        ctx,
        backup_organizations,
        [
            {
                "tenant_id": tenant.id,
                "organization_id": plan.organization_id,
                "name": domain,
                "office_name": domain,
                "type": "Office365",
                "is_backed_up": True,
                "first_backup_time": ctx.days_ago(380),
                "last_backup_time": ctx.days_ago(0.2),
                "license_type": plan.license_type,
                "licensed_users_limit": plan.limit,
                "license_expires_at": ctx.now + timedelta(days=200),
                "period_started_at": period_start if plan.license_type == "Rental" else None,
                "created_at": ctx.days_ago(380),
            }
        ],
    )
    users = tenant.current_users
    needed = plan.recent_users + plan.stale_users
    if len(users) < needed:
        raise ValueError(f"{tenant.name} has {len(users)} users, the backup plan needs {needed}")
    rows = []
    for i, user in enumerate(users[: plan.recent_users]):
        is_new = i < plan.new_users
        first = (
            period_start + timedelta(days=ctx.rng.uniform(0, 19))
            if is_new
            else ctx.days_ago(ctx.rng.uniform(40, 380))
        )
        rows.append(protected_user(ctx, org_id, user, first, ctx.days_ago(ctx.rng.uniform(0, 2))))
    for user in users[plan.recent_users : needed]:
        last = ctx.days_ago(ctx.rng.uniform(35, 80))
        rows.append(protected_user(ctx, org_id, user, last - timedelta(days=200), last))
    ctx.connection.execute(insert(backup_protected_users), rows)


PLANS = (
    BackupPlan(
        "Humongous Insurance",
        uuid.UUID("d4b8e2f6-0a1c-4e3b-9f5d-7c6a8b9e0f12"),
        "Rental",
        limit=400,
        recent_users=250,
        stale_users=10,
        new_users=40,
    ),
    # Past its limit: the extra users are still counted, as Veeam's page says.
    BackupPlan(
        "Lamna Healthcare",
        uuid.UUID("1e9f3c5a-7b2d-4a6e-8c0f-5d4b3a2e1f23"),
        "Subscription",
        limit=250,
        recent_users=280,
        stale_users=5,
    ),
    BackupPlan(
        "Alpine Ski House",
        uuid.UUID("6a2c4e8f-9b1d-4f3a-b5c7-0e2d4f6a8b34"),
        "Subscription",
        limit=20,
        recent_users=15,
        stale_users=0,
    ),
)


def build_backup(ctx: DemoContext, tenants: dict[str, DemoTenant]) -> None:
    for plan in PLANS:
        add_organization(ctx, tenants[plan.tenant], plan)
