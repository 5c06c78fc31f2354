"""90 days of Partner Center license usage, derived from who held which license each day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert

from licensehub.demo.catalog import Sku
from licensehub.demo.context import DemoContext
from licensehub.demo.tenants import DemoTenant, held_at
from licensehub.ledger.tables import license_usage
from licensehub.ledger.workloads import SERVICE_CODE, SERVICE_NAME, workloads_of

WINDOW_DAYS = 90

# Partner Center records some products under their older names; history keeps them.
RECORDED_PRODUCT_NAMES = {"ENTERPRISEPACK": "OFFICE 365 ENTERPRISE E3"}

# Tenants that were renamed: (current name, former name, days ago).
RENAMES = {"Trey Research": ("Trey Research Inc", 40)}


def processed_dates(as_of: date) -> list[date]:
    """Partner Center processes each day's usage the day after: the newest date is yesterday."""
    return [as_of - timedelta(days=n) for n in range(WINDOW_DAYS, 0, -1)]


def recorded_product_name(sku: Sku) -> str:
    return RECORDED_PRODUCT_NAMES.get(sku.part_number, sku.product_name.upper())


def usage_rows(
    ctx: DemoContext, tenant: DemoTenant, catalog: dict[str, Sku]
) -> list[dict[str, Any]]:
    rows = []
    former_name, renamed_days_ago = RENAMES.get(tenant.name, (tenant.name, 0))
    renamed_on = ctx.as_of - timedelta(days=renamed_days_ago)
    for part_number, holdings in sorted(tenant.holdings.items()):
        sku = catalog[part_number]
        for workload in workloads_of(sku.plan_names):
            activity = ctx.rng.uniform(0.45, 0.95)
            for day in processed_dates(ctx.as_of):
                end_of_day = datetime.combine(day, time.max, tzinfo=UTC)
                qualified = held_at(holdings, end_of_day)
                weekend = 0.55 if day.weekday() >= 5 else 1.0
                rate = min(1.0, activity * weekend * ctx.rng.uniform(0.9, 1.1))
                rows.append(
                    {
                        "processed_date": day,
                        "tenant_id": tenant.id,
                        "product_id": sku.sku_id,
                        "workload_code": workload.code,
                        "workload_name": workload.name,
                        "service_code": SERVICE_CODE,
                        "service_name": SERVICE_NAME,
                        "channel": "reseller",
                        "customer_name": (
                            tenant.name if day >= renamed_on else former_name
                        ).upper(),
                        "product_name": recorded_product_name(sku),
                        "licenses_active": round(qualified * rate),
                        "licenses_qualified": qualified,
                    }
                )
    return rows


def build_usage(ctx: DemoContext, tenants: list[DemoTenant], catalog: dict[str, Sku]) -> None:
    for tenant in tenants:
        rows = usage_rows(ctx, tenant, catalog)
        if rows:
            ctx.connection.execute(insert(license_usage), rows)
