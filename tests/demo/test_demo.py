"""The demo ledger: realistic, deterministic, relative to its day, and holding the very
entities of the vendors' documentation examples."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, and_, func, or_, select

from licensehub.demo.build import NotADemoDatabase, build_demo
from licensehub.ledger.database import make_engine
from licensehub.ledger.tables import (
    backup_organizations,
    backup_protected_users,
    license_assignments,
    license_usage,
    partners,
    service_plans,
    sku_service_plans,
    skus,
    subscriptions,
    tenants,
    users,
    voice_monitored_users,
    voice_phone_numbers,
    voice_services,
)
from tests.conftest import DEMO_AS_OF

# Real Microsoft SKU ids, from Microsoft's product names and service plan identifiers list.
REAL_SKUS = {
    "ENTERPRISEPACK": "6fd2c87f-b296-42f0-b197-1e91e994b900",
    "SPE_E3": "05e9a617-0261-4cee-bb44-138d3ef5d965",
    "SPE_E5": "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
    "O365_BUSINESS_PREMIUM": "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
    "EXCHANGESTANDARD": "4b9405b0-7788-4568-add1-99614e613b69",
    "MCOEV": "e43b5b99-8dfb-405f-9987-dc307f34bcbd",
    "POWER_BI_PRO": "f8a1db68-be16-40ed-86d5-cb42ce701560",
}
EXCHANGE_PLAN_2 = uuid.UUID("efb87545-963c-4e0d-99df-69c6916d9eb0")


def test_two_partners_and_tens_of_tenants_of_different_sizes(demo_engine: Engine) -> None:
    with demo_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(partners)).scalar() == 2
        per_partner = dict(
            connection.execute(
                select(tenants.c.partner_id, func.count()).group_by(tenants.c.partner_id)
            ).all()
        )
        sizes = (
            connection.execute(select(func.count()).select_from(users).group_by(users.c.tenant_id))
            .scalars()
            .all()
        )
    assert len(per_partner) == 2
    assert all(count >= 10 for count in per_partner.values())
    assert min(sizes) < 20 < 500 < max(sizes)


def test_real_skus_and_service_plans(demo_engine: Engine) -> None:
    with demo_engine.connect() as connection:
        found = dict(connection.execute(select(skus.c.sku_part_number, skus.c.sku_id)).all())
        e3_plans = set(
            connection.execute(
                select(sku_service_plans.c.service_plan_id).where(
                    sku_service_plans.c.sku_id == uuid.UUID(REAL_SKUS["ENTERPRISEPACK"])
                )
            ).scalars()
        )
        plan_name = connection.execute(
            select(service_plans.c.service_name).where(
                service_plans.c.service_plan_id == EXCHANGE_PLAN_2
            )
        ).scalar()
        groups = set(connection.execute(select(skus.c.license_group)).scalars())
    for part_number, sku_id in REAL_SKUS.items():
        assert found[part_number] == uuid.UUID(sku_id), part_number
    assert EXCHANGE_PLAN_2 in e3_plans
    assert plan_name == "EXCHANGE_S_ENTERPRISE"
    assert groups == {"group1", "group2"}


def test_ninety_days_of_usage_ending_yesterday(demo_engine: Engine) -> None:
    with demo_engine.connect() as connection:
        first, last, days = connection.execute(
            select(
                func.min(license_usage.c.processed_date),
                func.max(license_usage.c.processed_date),
                func.count(func.distinct(license_usage.c.processed_date)),
            )
        ).one()
    assert last == DEMO_AS_OF - timedelta(days=1)
    assert first == DEMO_AS_OF - timedelta(days=90)
    assert days == 90


def test_usage_counts_agree_with_who_held_the_license(demo_engine: Engine) -> None:
    """licensesQualified is the number of the SKU's holders at the end of the day."""
    day = DEMO_AS_OF - timedelta(days=30)
    end_of_day = datetime.combine(day, time.max, tzinfo=UTC)
    with demo_engine.connect() as connection:
        tenant_id = connection.execute(
            select(tenants.c.id).where(tenants.c.name == "Wide World Importers")
        ).scalar_one()
        sku_id = connection.execute(
            select(skus.c.sku_id).where(skus.c.sku_part_number == "SPE_E3")
        ).scalar_one()
        holders = connection.execute(
            select(func.count()).where(
                license_assignments.c.tenant_id == tenant_id,
                license_assignments.c.sku_id == sku_id,
                license_assignments.c.valid_from <= end_of_day,
                or_(
                    license_assignments.c.valid_to.is_(None),
                    license_assignments.c.valid_to > end_of_day,
                ),
            )
        ).scalar()
        rows = connection.execute(
            select(
                license_usage.c.workload_code,
                license_usage.c.licenses_qualified,
                license_usage.c.licenses_active,
            ).where(
                license_usage.c.tenant_id == tenant_id,
                license_usage.c.product_id == sku_id,
                license_usage.c.processed_date == day,
            )
        ).all()
    assert holders > 100
    assert {code for code, _, _ in rows} == {"EXO", "ODB", "SPO", "SFB", "YAM", "TEAMS"}
    assert all(qualified == holders for _, qualified, _ in rows)
    assert all(0 <= active <= qualified for _, qualified, active in rows)


def test_seat_history_answers_as_of_a_past_date(demo_engine: Engine) -> None:
    then = datetime.combine(DEMO_AS_OF - timedelta(days=60), time(12), tzinfo=UTC)
    as_of_then = and_(
        subscriptions.c.valid_from <= then,
        or_(subscriptions.c.valid_to.is_(None), subscriptions.c.valid_to > then),
    )
    with demo_engine.connect() as connection:
        now_total = connection.execute(
            select(func.sum(subscriptions.c.enabled_units)).where(
                subscriptions.c.valid_to.is_(None)
            )
        ).scalar()
        then_total = connection.execute(
            select(func.sum(subscriptions.c.enabled_units)).where(as_of_then)
        ).scalar()
        statuses = set(connection.execute(select(subscriptions.c.capability_status)).scalars())
    assert then_total < now_total
    assert {"Enabled", "Suspended", "Warning"} <= statuses


def test_the_partner_center_usage_example_is_in_the_demo(demo_engine: Engine) -> None:
    yesterday = DEMO_AS_OF - timedelta(days=1)
    with demo_engine.connect() as connection:
        rows = connection.execute(
            select(license_usage)
            .join(tenants, tenants.c.id == license_usage.c.tenant_id)
            .where(
                tenants.c.tenant_id == uuid.UUID("0112A436-B14E-4888-967B-CA4BB2CF1234"),
                license_usage.c.processed_date == yesterday,
            )
            .order_by(license_usage.c.workload_code.desc())
        ).all()
    assert [
        (
            r.workload_code,
            r.workload_name,
            r.product_id,
            r.product_name,
            r.customer_name,
            r.licenses_active,
            r.licenses_qualified,
            r.service_code,
            r.channel,
        )
        for r in rows
    ] == [
        (
            "SPO",
            "SharePoint",
            uuid.UUID("6FD2C87F-B296-42F0-B197-1E91E994B900"),
            "OFFICE 365 ENTERPRISE E3",
            "TEST COMPANY",
            0,
            1,
            "o365",
            "reseller",
        ),
        (
            "EXO",
            "Exchange",
            uuid.UUID("45A2423B-E884-448D-A831-D9E139C52D2F"),
            "EXCHANGE ONLINE PROTECTION",
            "TEST COMPANY",
            0,
            1,
            "o365",
            "reseller",
        ),
    ]


def test_the_live_platform_example_service_is_in_the_demo(demo_engine: Engine) -> None:
    guid = uuid.UUID("b11a3f8a-9220-457a-938f-cae531f79d67")
    with demo_engine.connect() as connection:
        service = connection.execute(
            select(voice_services).where(voice_services.c.ump_customer_guid == guid)
        ).one()
        numbers = connection.execute(
            select(voice_phone_numbers).where(voice_phone_numbers.c.service_id == service.id)
        ).all()
        monitored = connection.execute(
            select(voice_monitored_users).where(voice_monitored_users.c.service_id == service.id)
        ).all()
    direct_routing_users = {
        n.user_id
        for n in numbers
        if n.number_type == "DirectRouting" and n.assignment_status == "UserAssigned"
    }
    operator_connect = [
        n
        for n in numbers
        if n.number_type == "OperatorConnect" and n.assignment_status != "Unassigned"
    ]
    service_numbers = [
        n
        for n in numbers
        if n.number_type == "DirectRouting" and n.target_type not in (None, "User")
    ]
    lifecycle_only = [
        m for m in monitored if m.lifecycle_template and m.user_id not in direct_routing_users
    ]
    interface_only = [
        m
        for m in monitored
        if m.ui_updated_at and not m.lifecycle_template and m.user_id not in direct_routing_users
    ]
    assert service.acquired_licenses == 50
    assert len(monitored) == 20
    assert len(direct_routing_users) == 6
    assert all(
        n.voice_routing_policy == "Unrestricted"
        for n in numbers
        if n.number_type == "DirectRouting"
    )
    assert {n.target_type for n in operator_connect} == {"ConferenceBridge", "VoiceApplication"}
    assert len(service_numbers) == 2
    assert len(lifecycle_only) == 4
    assert len(interface_only) == 10


def test_a_voice_lead_has_no_customer_guid(demo_engine: Engine) -> None:
    with demo_engine.connect() as connection:
        leads = (
            connection.execute(
                select(voice_services.c.name).where(voice_services.c.ump_customer_guid.is_(None))
            )
            .scalars()
            .all()
        )
    assert leads == ["Fourth Coffee - Teams Voice"]


def test_the_veeam_example_organization_is_in_the_demo(demo_engine: Engine) -> None:
    now = datetime.combine(DEMO_AS_OF, time(12), tzinfo=UTC)
    with demo_engine.connect() as connection:
        org = connection.execute(
            select(backup_organizations).where(
                backup_organizations.c.organization_id
                == uuid.UUID("92460656-7a85-4a04-b1af-1ea903c0bc2e")
            )
        ).one()
        last_backups = (
            connection.execute(
                select(backup_protected_users.c.last_backup_time).where(
                    backup_protected_users.c.organization_id == org.id
                )
            )
            .scalars()
            .all()
        )
    assert org.license_type == "Subscription"
    assert sum(1 for t in last_backups if now - t <= timedelta(days=31)) == 100
    assert len(last_backups) > 100


def digest(url: str) -> tuple[str, date]:
    engine = make_engine(url)
    sha = hashlib.sha256()
    try:
        with engine.connect() as connection:
            for table, order in (
                (users, users.c.id),
                (license_assignments, license_assignments.c.id),
                (license_usage, license_usage.c.id),
                (backup_protected_users, backup_protected_users.c.id),
                (voice_phone_numbers, voice_phone_numbers.c.id),
            ):
                for row in connection.execute(select(table).order_by(order)):
                    sha.update(repr(tuple(row)).encode())
            latest = connection.execute(select(func.max(license_usage.c.processed_date))).scalar()
    finally:
        engine.dispose()
    return sha.hexdigest(), latest


def test_the_demo_is_deterministic_and_relative_to_its_day(tmp_path: Path) -> None:
    day = date(2026, 3, 1)
    first = build_demo(f"sqlite:///{tmp_path / 'a.db'}", day)
    second = build_demo(f"sqlite:///{tmp_path / 'b.db'}", day)
    later = build_demo(f"sqlite:///{tmp_path / 'c.db'}", day + timedelta(days=10))
    digest_a, latest_a = digest(f"sqlite:///{tmp_path / 'a.db'}")
    digest_b, _ = digest(f"sqlite:///{tmp_path / 'b.db'}")
    digest_c, latest_c = digest(f"sqlite:///{tmp_path / 'c.db'}")
    assert first.counts == second.counts == later.counts
    assert digest_a == digest_b
    assert digest_c != digest_a  # the same people, ten days later
    assert latest_a == day - timedelta(days=1)
    assert latest_c == day + timedelta(days=9)


def test_rebuilding_replaces_the_demo_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    build_demo(url, date(2026, 3, 1))
    summary = build_demo(url, date(2026, 3, 1))
    _, latest = digest(url)
    assert summary.counts["tenants"] == 29
    assert latest == date(2026, 2, 28)


def test_the_demo_never_overwrites_a_real_ledger(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    with engine.begin() as connection:
        connection.execute(
            partners.insert().values(name="A real partner", partner_tenant_id=uuid.uuid4())
        )
    engine.dispose()
    with pytest.raises(NotADemoDatabase):
        build_demo(ledger_url, DEMO_AS_OF)
    engine = make_engine(ledger_url)
    with engine.connect() as connection:
        names = connection.execute(select(partners.c.name)).scalars().all()
    engine.dispose()
    assert names == ["A real partner"]


def test_the_demo_rebuilds_a_former_demo_database(demo_url: str) -> None:
    summary = build_demo(demo_url, DEMO_AS_OF + timedelta(days=1))
    _, latest = digest(demo_url)
    assert summary.counts["partners"] == 2
    assert latest == DEMO_AS_OF
