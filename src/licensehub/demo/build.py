"""Build the demo ledger: `licensehub demo` and `licensehub serve --demo`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, func, inspect, select, update
from sqlalchemy.engine import make_url

from licensehub.demo.backup import build_backup
from licensehub.demo.catalog import load_catalog
from licensehub.demo.context import DemoContext
from licensehub.demo.people import PARTNERS
from licensehub.demo.principals import build_principals
from licensehub.demo.seeds import build_seed_entities, build_test_company
from licensehub.demo.tenants import DemoTenant, build_partners, build_tenants
from licensehub.demo.usage import build_usage
from licensehub.demo.voice import build_voice
from licensehub.demo.voice_history import build_voice_history
from licensehub.ledger import tables
from licensehub.ledger.database import make_engine, normalize_url
from licensehub.ledger.migrate import upgrade


class NotADemoDatabase(Exception):
    """The database holds data that the demo did not make: it will not be overwritten."""


@dataclass(frozen=True)
class DemoSummary:
    as_of: date
    counts: dict[str, int]


def populate(connection: Connection, as_of: date) -> None:
    ctx = DemoContext(connection, as_of)
    catalog = load_catalog(connection)
    partner_ids = build_partners(ctx)
    tenants = build_tenants(ctx, partner_ids, catalog)
    test_company = build_test_company(ctx, partner_ids[0], catalog)
    mark_seat_trouble(connection, tenants)
    build_usage(ctx, list(tenants.values()), catalog)
    build_voice(ctx, tenants, partner_ids)
    build_seed_entities(ctx, tenants)
    build_voice_history(ctx)
    build_backup(ctx, tenants)
    build_principals(ctx, tenants)
    tenants[test_company.name] = test_company


def mark_seat_trouble(connection: Connection, tenants: dict[str, DemoTenant]) -> None:
    """One tenant did not pay (its seats are suspended), one is in the warning period."""
    subs = tables.subscriptions
    for tenant_name, status, column in (
        ("Coho Winery", "Suspended", subs.c.suspended_units),
        ("Margie's Travel", "Warning", subs.c.warning_units),
    ):
        current = subs.c.tenant_id == tenants[tenant_name].id
        connection.execute(
            update(subs)
            .where(current, subs.c.valid_to.is_(None))
            .values(
                {
                    column: subs.c.enabled_units,
                    subs.c.enabled_units: 0,
                    subs.c.capability_status: status,
                }
            )
        )


def counts(connection: Connection) -> dict[str, int]:
    return {
        name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in sorted(tables.metadata.tables.items())
    }


def build_demo(url: str, as_of: date) -> DemoSummary:
    """Make `url` the demo database, anew. A SQLite file is built aside and swapped in, so a
    running reader never sees half a demo; another database must be empty or a former demo."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if path.exists():
            existing = make_engine(parsed)
            try:
                ensure_empty_or_demo(existing)
            finally:
                existing.dispose()
        return build_sqlite_file(path, as_of)
    engine = make_engine(parsed)
    try:
        reset(engine)
        return build_into(engine, as_of)
    finally:
        engine.dispose()


def build_into(engine: Engine, as_of: date) -> DemoSummary:
    upgrade(engine)
    with engine.begin() as connection:
        populate(connection, as_of)
        return DemoSummary(as_of, counts(connection))


def build_sqlite_file(path: Path, as_of: date) -> DemoSummary:
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(path.name + ".building")
    for leftover in sidecars(building):
        leftover.unlink(missing_ok=True)
    engine = make_engine(make_url(f"sqlite:///{building}"))
    try:
        summary = build_into(engine, as_of)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    for stale in sidecars(path)[1:]:
        stale.unlink(missing_ok=True)
    os.replace(building, path)
    return summary


def sidecars(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def ensure_empty_or_demo(engine: Engine) -> bool:
    """True when the database holds a former demo, False when it is empty; else refuse."""
    existing = set(inspect(engine).get_table_names())
    if not existing:
        return False
    if "partners" not in existing:
        raise NotADemoDatabase("the database holds tables that are not licensehub's")
    with engine.connect() as connection:
        found = set(connection.execute(select(tables.partners.c.partner_tenant_id)).scalars())
    if found - {p.partner_tenant_id for p in PARTNERS}:
        raise NotADemoDatabase("the database holds a ledger that is not the demo's")
    return True


def reset(engine: Engine) -> None:
    """Empty a database for the demo, if it is empty already or holds a former demo."""
    if not ensure_empty_or_demo(engine):
        return
    tables.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
