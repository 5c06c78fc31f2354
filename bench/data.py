"""A large partner's ledger, made fast: tenants and their (product, workload) rows as Python
rows, then every processing date multiplied out inside the database with INSERT ... SELECT.
Made once per size and kept (bench/.work, or the bench's PostgreSQL databases)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from rich.console import Console
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    text,
)

from licensehub.auth.keys import load_keys
from licensehub.auth.principals import create_principal, principal_from_row
from licensehub.auth.tokens import issue_access_token
from licensehub.ledger.migrate import upgrade
from licensehub.ledger.tables import license_usage, partners, principals, tenants
from licensehub.ledger.tables.base import GUID

console = Console(stderr=True)
LAST_DAY = date(2026, 11, 20)
PRODUCTS = [
    (uuid.UUID(int=0xC7DF2760_2C81_4EF7_B578_5B5392B571DF), "Microsoft 365 E5"),
    (uuid.UUID(int=0x05E9A617_0261_4CEE_BB44_138D3EF5D965), "Microsoft 365 E3"),
    (uuid.UUID(int=0xF245ECC8_75AF_4F8E_B61F_27D8114DE5F3), "Microsoft 365 Business Standard"),
    (uuid.UUID(int=0xCBDC14AB_D96C_4C30_B9F4_6ADA7CDC1D46), "Microsoft 365 Business Premium"),
    (uuid.UUID(int=0x4B9405B0_7788_4568_ADD1_99614E613B69), "Exchange Online (Plan 1)"),
    (uuid.UUID(int=0x6FD2C87F_B296_42F0_B197_1E91E994B900), "Office 365 E3"),
]
WORKLOADS = [
    ("EXO", "Exchange", "EXCH", "Exchange Online"),
    ("SPO", "SharePoint", "SHPT", "SharePoint Online"),
    ("TEAMS", "Teams", "TEAM", "Microsoft Teams"),
    ("ODB", "OneDrive", "ODB", "OneDrive for Business"),
]

bench_metadata = MetaData()
# Each tenant's rows of one date; every date repeats them with other counts.
combos = Table(
    "bench_usage_combos",
    bench_metadata,
    Column("id", Integer, primary_key=True),
    Column("tenant_id", BigInteger, nullable=False),
    Column("product_id", GUID, nullable=False),
    Column("workload_code", String(16), nullable=False),
    Column("workload_name", String(128), nullable=False),
    Column("service_code", String(32), nullable=False),
    Column("service_name", String(128), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("customer_name", String(256), nullable=False),
    Column("product_name", String(256), nullable=False),
    Column("qualified", Integer, nullable=False),
)
marker = Table(
    "bench_made",
    bench_metadata,
    Column("what", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
)


@dataclass(frozen=True)
class UsageData:
    rows: int
    tenants: int
    days: int
    last_day: date
    partner_id: int
    tenant_ids: list[uuid.UUID]


def tenant_guid(index: int) -> uuid.UUID:
    return uuid.UUID(int=(0xB3 << 120) | index)


def made(engine: Engine, what: str) -> int | None:
    bench_metadata.create_all(engine, tables=[marker])
    with engine.connect() as connection:
        return connection.execute(select(marker.c.size).where(marker.c.what == what)).scalar()


def usage_data(engine: Engine, tenants_count: int, days: int, rows_per_day: float) -> UsageData:
    """The ledger with `tenants_count` tenants of one partner and their usage over `days`."""
    upgrade(engine)
    if made(engine, "usage") is None:
        make_usage(engine, tenants_count, days, rows_per_day)
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(license_usage)).scalar_one()
        partner_id = connection.execute(select(func.min(partners.c.id))).scalar_one()
        guids = list(
            connection.execute(select(tenants.c.tenant_id).order_by(tenants.c.id)).scalars()
        )
    return UsageData(total, len(guids), days, LAST_DAY, partner_id, guids)


def make_usage(engine: Engine, tenants_count: int, days: int, rows_per_day: float) -> None:
    console.print(f"  making {tenants_count:,} tenants x {days} days of usage ...")
    chooser = random.Random(20261122)
    with engine.begin() as connection:
        partner_id = connection.execute(
            insert(partners).values(name="Bench Partner").returning(partners.c.id)
        ).scalar_one()
        connection.execute(
            insert(tenants),
            [
                {"tenant_id": tenant_guid(i), "partner_id": partner_id, "name": f"Customer {i:05}",
                 "channel": "reseller" if i % 5 else "direct"}
                for i in range(tenants_count)
            ],
        )  # fmt: skip
        ids = list(connection.execute(select(tenants.c.id).order_by(tenants.c.id)).scalars())
        combo_rows = []
        wanted = round(rows_per_day * tenants_count)
        for n in range(wanted):
            tenant = n % tenants_count
            product_id, product_name = PRODUCTS[(tenant + n // tenants_count) % len(PRODUCTS)]
            code, name, service_code, service_name = WORKLOADS[
                (n // tenants_count) % len(WORKLOADS)
            ]
            combo_rows.append({
                "id": n, "tenant_id": ids[tenant], "product_id": product_id,
                "workload_code": code, "workload_name": name, "service_code": service_code,
                "service_name": service_name, "channel": "Reseller" if tenant % 5 else "Direct",
                "customer_name": f"Customer {tenant:05}", "product_name": product_name,
                "qualified": chooser.randint(5, 500),
            })  # fmt: skip
        bench_metadata.create_all(connection, tables=[combos])
        connection.execute(insert(combos), combo_rows)
        indexes = list(license_usage.indexes)
        for index in indexes:  # loading first and indexing after is several times faster
            index.drop(connection)
        connection.execute(
            text(days_insert(connection.dialect.name)), {"days": days, "last": LAST_DAY}
        )
        for index in indexes:
            index.create(connection)
        combos.drop(connection)
        connection.execute(insert(marker).values(what="usage", size=days))
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


COLUMNS = (
    "tenant_id, product_id, workload_code, workload_name, service_code, service_name, channel, "
    "customer_name, product_name"
)


def days_insert(dialect: str) -> str:
    # Active counts move with the date, 50-99 % of the qualified ones.
    active = "c.qualified * (50 + (d * 7 + c.id) % 50) / 100"
    target = (
        f"INSERT INTO license_usage (processed_date, {COLUMNS}, licenses_active, "
        "licenses_qualified)"
    )
    picked = ", ".join(f"c.{name.strip()}" for name in COLUMNS.split(","))
    if dialect == "postgresql":
        return (
            f"{target} SELECT CAST(:last AS date) - d, {picked}, {active}, c.qualified "
            "FROM generate_series(0, :days - 1) AS d, bench_usage_combos AS c"
        )
    return (
        "WITH RECURSIVE days(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM days WHERE d + 1 < :days) "
        f"{target} SELECT date(:last, '-' || d || ' days'), {picked}, {active}, c.qualified "
        "FROM days, bench_usage_combos AS c"
    )


def partner_token(engine: Engine, partner_id: int) -> str:
    """A read token of the partner that owns every tenant: what its dashboards would use."""
    with engine.begin() as connection:
        keys = load_keys(connection, None)
        found = connection.execute(
            select(principals).where(principals.c.name == "bench-partner")
        ).first()
        principal = (
            create_principal(connection, "bench-partner", partner_id=partner_id)
            if found is None
            else principal_from_row(found)
        )
        return issue_access_token(keys, principal, timedelta(hours=12))[0]
