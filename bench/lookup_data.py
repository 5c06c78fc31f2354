"""The point lookups' ledger, added to the analytics ledger's tenants (bench/data.py): users
with license assignments and their history, seats per SKU, a Teams voice service for half the
tenants and a backup organization for each.

Python makes only the small parts — each tenant's size and SKUs, and one template row per
person number (name, licenses, voice role, backup times) — and the database multiplies them
out (lookup_sql.py), with the bulk-loaded tables' indexes dropped during the load. Made once
per ledger and kept, marked "lookups" in bench_made.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rich.console import Console
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    text,
)

from bench import lookup_sql
from bench.data import UsageData, made, marker
from licensehub.demo.catalog import load_catalog
from licensehub.demo.people import FIRST_NAMES, LAST_NAMES
from licensehub.ledger.tables import (
    backup_organizations,
    backup_protected_users,
    license_assignments,
    skus,
    subscriptions,
    users,
    voice_license_factors,
    voice_monitored_users,
    voice_phone_numbers,
    voice_services,
)
from licensehub.ledger.tables.base import GUID, UtcDateTime
from licensehub.live_platform.queries import write_bodies

console = Console(stderr=True)
MARK = "lookups"
LARGEST_TENANT = 10  # times the mean: a few large customers among many small ones
# Each tenant buys two suites (users move from one to the other) and two add-ons.
SUITES = ("SPE_E3", "SPE_E5", "ENTERPRISEPACK", "O365_BUSINESS_PREMIUM",
          "O365_BUSINESS_ESSENTIALS", "SPB", "STANDARDPACK", "EXCHANGESTANDARD")  # fmt: skip
ADD_ONS = ("MCOEV", "POWER_BI_PRO", "EMS", "MCOPSTN1", "EOP_ENTERPRISE")
BULK_TABLES = (users, license_assignments, subscriptions, backup_protected_users,
               voice_monitored_users, voice_phone_numbers)  # fmt: skip

helpers = MetaData()
tenant_plans = Table(
    "bench_lookup_tenants",
    helpers,
    Column("tenant_id", BigInteger, primary_key=True),
    Column("users", Integer, nullable=False),
    Column("first_user", BigInteger, nullable=False),
    Column("voice", Boolean, nullable=False),
    Column("rental", Boolean, nullable=False),
    Column("over_limit", Boolean, nullable=False),
    Column("warning", Boolean, nullable=False),
)
slots = Table(
    "bench_lookup_slots",
    helpers,
    Column("tenant_id", BigInteger, primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("sku_id", GUID, nullable=False),
)
people = Table(
    "bench_lookup_people",
    helpers,
    Column("n", Integer, primary_key=True),
    Column("given", String(64), nullable=False),
    Column("family", String(64), nullable=False),
    Column("first_slot", Integer, nullable=False),
    Column("second_slot", Integer),
    Column("moved", Boolean, nullable=False),
    Column("yammer_off", Boolean, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("voice_role", String(16)),
    Column("assigned_days", Integer, nullable=False),
    Column("moved_days", Integer, nullable=False),
    Column("deleted_days", Integer, nullable=False),
    Column("first_backup_days", Integer, nullable=False),
    Column("last_backup_hours", Integer, nullable=False),
    Column("stale", Boolean, nullable=False),
    Column("new_in_period", Boolean, nullable=False),
)
user_numbers = Table(
    "bench_lookup_user_n",
    helpers,
    Column("user_id", BigInteger, primary_key=True),
    Column("tenant_id", BigInteger, nullable=False),
    Column("n", Integer, nullable=False),
)
Index("ix_bench_lookup_user_n_tenant", user_numbers.c.tenant_id)
other_numbers = Table(
    "bench_lookup_other_numbers",
    helpers,
    Column("k", Integer, primary_key=True),
    Column("status", String(32), nullable=False),
    Column("target_type", String(24)),
)


@dataclass(frozen=True)
class LookupData:
    users: int
    voice_services: int
    organizations: int
    made_seconds: float | None  # None: made by an earlier run


def made_guid(kind: int, high: int, low: int) -> uuid.UUID:
    """The GUIDs lookup_sql.Spelling.guid makes in SQL."""
    return uuid.UUID(int=(kind << 120) | (high << 32) | low)


def lookup_data(engine: Engine, data: UsageData, users_per_tenant: int) -> LookupData:
    made_seconds = None
    if made(engine, MARK) is None:
        started = time.perf_counter()
        make_lookups(engine, data, users_per_tenant)
        made_seconds = time.perf_counter() - started
        console.print(f"  lookups ledger made in {made_seconds:.1f} s")
    with engine.connect() as connection:

        def count(table: Table) -> int:
            return connection.execute(select(func.count()).select_from(table)).scalar_one()

        return LookupData(
            users=count(users),
            voice_services=count(voice_services),
            organizations=count(backup_organizations),
            made_seconds=made_seconds,
        )


def make_lookups(engine: Engine, data: UsageData, users_per_tenant: int) -> None:
    console.print(f"  making ~{users_per_tenant} users a tenant for {data.tenants:,} tenants ...")
    chooser = random.Random(20261123)
    spelling = lookup_sql.Spelling(engine.dialect.name)
    now = datetime.now(UTC).replace(microsecond=0)
    values = {"now": now, "today": now.date(), "expires": now + timedelta(days=200)}
    with engine.begin() as connection:
        tenant_ids = list(connection.execute(text("SELECT id FROM tenants ORDER BY id")).scalars())
        sizes = tenant_sizes(chooser, len(tenant_ids), users_per_tenant)
        last_user = connection.execute(select(func.max(users.c.id))).scalar() or 0
        helpers.create_all(connection)
        connection.execute(
            insert(tenant_plans), tenant_rows(chooser, tenant_ids, sizes, last_user + 1)
        )
        connection.execute(insert(slots), slot_rows(chooser, tenant_ids, catalog_ids(connection)))
        connection.execute(insert(people), people_rows(chooser, max(sizes)))
        connection.execute(insert(other_numbers), OTHER_NUMBERS)
        partner_factors(connection, data.partner_id, now)
        with indexes_dropped(connection, BULK_TABLES):
            steps = {
                "users": lookup_sql.users(spelling),
                "license assignments": lookup_sql.assignments(spelling),
                "disabled plans": [lookup_sql.DISABLED_PLANS],
                "subscriptions": lookup_sql.subscriptions(spelling),
                "voice services": lookup_sql.voice(spelling),
                "backup organizations": lookup_sql.backup(spelling),
            }
            for name, statements in steps.items():
                started = time.perf_counter()
                for statement in statements:
                    execute(connection, statement, values)
                console.print(f"    {name}: {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            write_bodies(connection)  # the license info records', by the app's own SQL
            console.print(f"    license info bodies: {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()  # leaving the block makes the indexes again
        console.print(f"    indexes: {time.perf_counter() - started:.1f} s")
        helpers.drop_all(connection)
        connection.execute(insert(marker).values(what=MARK, size=users_per_tenant))
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    console.print(f"    analyze: {time.perf_counter() - started:.1f} s")


def execute(connection: Connection, sql: str, values: dict[str, Any]) -> None:
    """Run with the bound times typed as the ledger's columns, so each store gets its own
    spelling of them."""
    used = {name: value for name, value in values.items() if f":{name}" in sql}
    types = [
        bindparam(name, type_=Date() if type(value) is date else UtcDateTime())
        for name, value in used.items()
    ]
    connection.execute(text(sql).bindparams(*types), used)


@contextmanager
def indexes_dropped(connection: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Loading first and indexing after is several times faster. Constraint indexes (unique,
    primary keys) stay: the loads join on them."""
    dropped = [index for table in tables for index in table.indexes]
    for index in dropped:
        index.drop(connection)
    yield
    for index in dropped:
        index.create(connection)


def tenant_sizes(chooser: random.Random, tenants: int, mean: int) -> list[int]:
    """Log-normal sizes, as customers are: many small, a few large, averaging `mean`."""
    sigma = 1.0
    drawn = [chooser.lognormvariate(math.log(mean) - sigma**2 / 2, sigma) for _ in range(tenants)]
    scale = mean * tenants / sum(drawn)
    return [max(1, min(round(d * scale), mean * LARGEST_TENANT)) for d in drawn]


def tenant_rows(
    chooser: random.Random, tenant_ids: Sequence[int], sizes: Sequence[int], first_user: int
) -> list[dict[str, Any]]:
    rows = []
    for tenant_id, size in zip(tenant_ids, sizes, strict=True):
        rows.append({
            "tenant_id": tenant_id, "users": size, "first_user": first_user,
            "voice": chooser.random() < 0.5, "rental": chooser.random() < 1 / 3,
            "over_limit": chooser.random() < 0.1, "warning": chooser.random() < 0.02,
        })  # fmt: skip
        first_user += size
    return rows


def catalog_ids(connection: Connection) -> dict[str, uuid.UUID]:
    """The SKU ids by part number, with the demo's catalog loaded when the ledger has none."""
    if connection.execute(select(func.count()).select_from(skus)).scalar_one() == 0:
        load_catalog(connection)
    rows = connection.execute(select(skus.c.sku_part_number, skus.c.sku_id))
    return {part: sku_id for part, sku_id in rows}


def slot_rows(
    chooser: random.Random, tenant_ids: Sequence[int], catalog: dict[str, uuid.UUID]
) -> list[dict[str, Any]]:
    rows = []
    for tenant_id in tenant_ids:
        bought = chooser.sample(SUITES, 2) + chooser.sample(ADD_ONS, 2)
        rows += [
            {"tenant_id": tenant_id, "slot": slot, "sku_id": catalog[part]}
            for slot, part in enumerate(bought)
        ]
    return rows


def people_rows(chooser: random.Random, count: int) -> list[dict[str, Any]]:
    """One template per person number: user n of every tenant is made from row n."""
    rows = []
    for n in range(count):
        draw = chooser.random()
        role = "number" if draw < 0.12 else "lifecycle" if draw < 0.18 else (
            "interface" if draw < 0.22 else None)  # fmt: skip
        second = chooser.random()
        rows.append({
            "n": n, "given": chooser.choice(FIRST_NAMES), "family": chooser.choice(LAST_NAMES),
            "first_slot": 0 if chooser.random() < 0.7 else 1,
            "second_slot": 2 if second < 0.25 else 3 if second < 0.35 else None,
            "moved": chooser.random() < 0.15, "yammer_off": chooser.random() < 0.1,
            "deleted": chooser.random() < 0.03, "voice_role": role,
            # deleted < moved < assigned, so every closed version ends after it began
            "assigned_days": chooser.randint(200, 700), "moved_days": chooser.randint(30, 180),
            "deleted_days": chooser.randint(1, 25),
            "first_backup_days": chooser.randint(100, 380),
            "last_backup_hours": chooser.randint(0, 23), "stale": chooser.random() < 0.05,
            "new_in_period": chooser.random() < 0.1,
        })  # fmt: skip
    return rows


# Each voice service's numbers that are no user's: a conference bridge, a voice app, spares.
OTHER_NUMBERS = [
    {"k": 0, "status": "ConferenceAssigned", "target_type": "ConferenceBridge"},
    {"k": 1, "status": "VoiceApplicationAssigned", "target_type": "VoiceApplication"},
    {"k": 2, "status": "Unassigned", "target_type": None},
    {"k": 3, "status": "Unassigned", "target_type": None},
]


def partner_factors(connection: Connection, partner_id: int, now: datetime) -> None:
    """The service provider's global license factors, as a partner sets them once."""
    found = connection.execute(
        select(voice_license_factors.c.id).where(voice_license_factors.c.partner_id == partner_id)
    ).first()
    if found is None:
        connection.execute(
            insert(voice_license_factors).values(
                partner_id=partner_id, by_template=True, by_user_interface=True,
                service_numbers=True, updated_at=now - timedelta(days=200),
            )
        )  # fmt: skip
