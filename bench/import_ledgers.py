"""A fresh, migrated ledger for each import measurement, holding what the import needs first:
a partner to create the Graph export's tenant under, and for the activity report its tenant
and the catalog that names its products."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, create_engine, insert, text
from sqlalchemy.engine import make_url

from bench.import_files import PRODUCTS, TENANT
from bench.stores import WORK, database_url
from licensehub.ledger.database import make_engine, normalize_url
from licensehub.ledger.migrate import upgrade
from licensehub.ledger.tables import partners, service_plans, sku_service_plans, skus, tenants

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def fresh_database(store: str, name: str) -> str:
    """An empty database of this name: a leftover of an earlier run would change what the
    import has to do (an update instead of an insert) and what the baseline reads back."""
    if store == "sqlite":
        for leftover in WORK.glob(f"{name}.db*"):  # the database, its -wal and -shm
            leftover.unlink()
        return database_url(store, name)
    url = database_url(store, name)
    maintenance = create_engine(
        normalize_url(make_url(url).set(database="postgres")), isolation_level="AUTOCOMMIT"
    )
    try:
        with maintenance.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        maintenance.dispose()
    return url


def prepared_ledger(store: str, name: str, with_tenant: bool) -> tuple[str, int]:
    """A migrated ledger with the bench partner (its row id returned) and, if asked, the
    tenant and its catalog."""
    url = fresh_database(store, name)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            partner = connection.execute(
                insert(partners).values(name="Bench Partner").returning(partners.c.id)
            ).scalar_one()
            if with_tenant:
                connection.execute(
                    insert(tenants).values(
                        tenant_id=TENANT, partner_id=partner, name="Bench Customer",
                        created_at=CREATED, updated_at=CREATED,
                    )
                )  # fmt: skip
                add_catalog(connection)
    finally:
        engine.dispose()
    return url, int(partner)


def add_catalog(connection: Connection) -> None:
    plans = {plan: name for p in PRODUCTS for plan, name in p.plans}
    connection.execute(
        insert(skus),
        [{"sku_id": p.sku_id, "sku_part_number": p.part_number, "product_name": p.name}
         for p in PRODUCTS],
    )  # fmt: skip
    connection.execute(
        insert(service_plans),
        [{"service_plan_id": plan, "service_name": name, "display_name": name}
         for plan, name in plans.items()],
    )  # fmt: skip
    connection.execute(
        insert(sku_service_plans),
        [{"sku_id": p.sku_id, "service_plan_id": plan} for p in PRODUCTS for plan, _ in p.plans],
    )
