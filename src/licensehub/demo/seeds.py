"""The entities of the vendors' documentation examples (../shared/seeds), so that each
example request returns its example response on the demo."""

from __future__ import annotations

import uuid

from sqlalchemy import insert

from licensehub.demo.backup import BackupPlan, add_organization
from licensehub.demo.catalog import Sku
from licensehub.demo.context import DemoContext
from licensehub.demo.tenants import DemoTenant, add_tenant, add_users, buy_seats, record_licenses
from licensehub.demo.usage import processed_dates
from licensehub.demo.voice import VoicePlan, add_service
from licensehub.ledger.tables import license_usage

# Partner Center analytics, "Get licenses usage information": a customer whose one user holds
# Office 365 E3 and Exchange Online Protection and uses neither. Its rows are kept as Partner
# Center recorded them (upper-case names), as a usage import would keep them.
TEST_COMPANY_ID = uuid.UUID("0112A436-B14E-4888-967B-CA4BB2CF1234")
TEST_COMPANY_ROWS = (
    (
        "SPO",
        "SharePoint",
        uuid.UUID("6FD2C87F-B296-42F0-B197-1E91E994B900"),
        "OFFICE 365 ENTERPRISE E3",
    ),
    (
        "EXO",
        "Exchange",
        uuid.UUID("45A2423B-E884-448D-A831-D9E139C52D2F"),
        "EXCHANGE ONLINE PROTECTION",
    ),
)

# Live Platform, "Get License Info for Service": 20 monitored users (6 Direct Routing, 4 on a
# LifeCycle Management template, 10 updated through the interface), 2 Operator Connect numbers
# on a conference bridge and a voice app, 2 Direct Routing numbers serving non-user targets:
# 6 + 2 + 4 + 10 + 2 = 24 currently licensed of 50 acquired.
VOICE_SEED = VoicePlan(
    "Litware Inc",
    "DirectRouting",
    uuid.UUID("b11a3f8a-9220-457a-938f-cae531f79d67"),
    acquired=50,
    direct_routing_users=6,
    lifecycle_users=4,
    interface_users=10,
    service_targets=(
        ("OperatorConnect", "ConferenceAssigned", "ConferenceBridge"),
        ("OperatorConnect", "VoiceApplicationAssigned", "VoiceApplication"),
        ("DirectRouting", "ConferenceAssigned", "ConferenceBridge"),
        ("DirectRouting", "VoiceApplicationAssigned", "VoiceApplication"),
    ),
    spare_numbers=3,
)

# Veeam, "Getting License Information": a subscription license with 100 licensed users.
BACKUP_SEED = BackupPlan(
    "Woodgrove Bank",
    uuid.UUID("92460656-7a85-4a04-b1af-1ea903c0bc2e"),
    "Subscription",
    limit=150,
    recent_users=100,
    stale_users=8,
)


def build_test_company(ctx: DemoContext, partner_id: int, catalog: dict[str, Sku]) -> DemoTenant:
    tenant = add_tenant(ctx, partner_id, TEST_COMPANY_ID, "Test Company", "testcompany")
    people = add_users(ctx, tenant, "testcompany", 1, offset=0, churn=False)
    user, joined, _ = people[0]
    held = [(user, "ENTERPRISEPACK", joined, None), (user, "EOP_ENTERPRISE", joined, None)]
    record_licenses(ctx, tenant, held, catalog)
    buy_seats(ctx, tenant, catalog)
    ctx.connection.execute(
        insert(license_usage),
        [
            {
                "processed_date": day,
                "tenant_id": tenant.id,
                "product_id": product_id,
                "workload_code": code,
                "workload_name": name,
                "service_code": "o365",
                "service_name": "Microsoft Office 365",
                "channel": "reseller",
                "customer_name": "TEST COMPANY",
                "product_name": product_name,
                "licenses_active": 0,
                "licenses_qualified": 1,
            }
            for day in processed_dates(ctx.as_of)
            for code, name, product_id, product_name in TEST_COMPANY_ROWS
        ],
    )
    return tenant


def build_seed_entities(ctx: DemoContext, tenants: dict[str, DemoTenant]) -> None:
    add_service(ctx, tenants[VOICE_SEED.tenant], VOICE_SEED, prefix="+14251550")
    add_organization(ctx, tenants[BACKUP_SEED.tenant], BACKUP_SEED)
