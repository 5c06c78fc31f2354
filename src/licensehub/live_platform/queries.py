"""The Live Platform's reads and writes of the ledger, scoped to what the caller may see."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from licensehub.auth.tenant_scope import TenantScope
from licensehub.kit.errors import NotFound
from licensehub.ledger.tables import (
    tenants,
    voice_license_factors,
    voice_license_info_days,
    voice_monitored_users,
    voice_phone_numbers,
    voice_services,
)
from licensehub.ledger.upsert import upsert
from licensehub.live_platform.rules import (
    FACTOR_NAMES,
    Factors,
    LicenseCounts,
    Monitored,
    Number,
    effective_factors,
)
from licensehub.live_platform.rules import count as count_licenses


def service(
    connection: Connection, scope: TenantScope, guid: uuid.UUID, *, lock: bool = False
) -> Row[Any] | None:
    query = (
        select(voice_services, tenants.c.partner_id)
        .join(tenants, tenants.c.id == voice_services.c.tenant_id)
        .where(
            voice_services.c.ump_customer_guid == guid, scope.restrict(voice_services.c.tenant_id)
        )
    )
    if lock:
        # PostgreSQL locks the service's row until the transaction ends, as every write to
        # the service's inputs does (touched). SQLite has no row locks and compiles this away:
        # there the write transaction holds the database's write lock from its BEGIN.
        query = query.with_for_update(of=voice_services)
    return connection.execute(query).first()


def visible_service(
    connection: Connection, scope: TenantScope, guid: uuid.UUID, *, lock: bool = False
) -> Row[Any]:
    """The service, if the principal may see it; else the same 404 as for no service.
    With lock, no other transaction writes the service until this one ends."""
    row = service(connection, scope, guid, lock=lock)
    if row is None:
        raise NotFound(f"No service with umpCustomerGuid {guid}.")
    return row


def factor_settings(
    connection: Connection, column: Any, value: int
) -> dict[str, bool | None] | None:
    row = connection.execute(select(voice_license_factors).where(column == value)).first()
    return {field: row._mapping[field] for field in FACTOR_NAMES} if row else None


def factors(connection: Connection, service_row: Row[Any]) -> Factors:
    return effective_factors(
        factor_settings(connection, voice_license_factors.c.partner_id, service_row.partner_id),
        factor_settings(connection, voice_license_factors.c.service_id, service_row.id),
    )


def as_number(row: Row[Any]) -> Number:
    """A voice_phone_numbers row, as the counting rules see it."""
    return Number(
        row.number_type,
        row.assignment_status,
        row.target_type,
        row.user_id,
        row.voice_routing_policy,
        row.target_id,
    )


def current_counts(
    connection: Connection, service_row: Row[Any], effective: Factors
) -> LicenseCounts:
    numbers = [
        as_number(r)
        for r in connection.execute(
            select(voice_phone_numbers).where(voice_phone_numbers.c.service_id == service_row.id)
        )
    ]
    monitored = [
        Monitored(r.user_id, r.lifecycle_template, r.ui_updated_at is not None)
        for r in connection.execute(
            select(voice_monitored_users).where(
                voice_monitored_users.c.service_id == service_row.id
            )
        )
    ]
    return count_licenses(numbers, monitored, effective)


def day_record(
    service_row: Row[Any],
    day: date,
    counts: LicenseCounts,
    effective: Factors,
    last_update: datetime | None,
) -> dict[str, Any]:
    """One row of voice_license_info_days."""
    return {
        "service_id": service_row.id,
        "day": day,
        "acquired_licenses": service_row.acquired_licenses,
        "total_monitored_users": counts.total_monitored,
        "currently_licensed": counts.currently_licensed,
        "managed_users_direct_routing": counts.direct_routing,
        "managed_users_operator_connect": counts.operator_connect,
        "managed_users_lifecycle": counts.lifecycle,
        "managed_users_user_interface": counts.user_interface,
        "managed_service_numbers": counts.service_numbers,
        "last_update": last_update,
        "flags_level": effective.level,
        "factor_by_template": effective.by_template,
        "factor_by_user_interface": effective.by_user_interface,
        "factor_service_numbers": effective.service_numbers,
    }


def today_record(connection: Connection, service_row: Row[Any], now: datetime) -> dict[str, Any]:
    """Today's record as the current inputs make it."""
    effective = factors(connection, service_row)
    counts = current_counts(connection, service_row, effective)
    return day_record(service_row, now.date(), counts, effective, service_row.last_update)


def is_recorded(connection: Connection, record: dict[str, Any]) -> bool:
    """Whether the ledger holds this day's record as it is."""
    stored = connection.execute(
        select(voice_license_info_days).where(
            voice_license_info_days.c.service_id == record["service_id"],
            voice_license_info_days.c.day == record["day"],
        )
    ).first()
    return stored is not None and all(
        stored._mapping[name] == value for name, value in record.items()
    )


def save_record(connection: Connection, record: dict[str, Any]) -> None:
    """A day's record, written over the one the ledger holds for that day."""
    upsert(connection, voice_license_info_days, record, key=("service_id", "day"))


def record_today(connection: Connection, service_row: Row[Any], now: datetime) -> None:
    """Today's record, (re)written from the current inputs. Days before today are never
    written again: once a day is over, its record is frozen."""
    save_record(connection, today_record(connection, service_row, now))


def history(connection: Connection, service_id: int, since: date) -> list[Row[Any]]:
    return list(
        connection.execute(
            select(voice_license_info_days)
            .where(
                voice_license_info_days.c.service_id == service_id,
                voice_license_info_days.c.day >= since,
            )
            .order_by(voice_license_info_days.c.day.desc())
        )
    )


def touched(connection: Connection, service_id: int, now: datetime) -> Row[Any]:
    """An input changed: stamp lastUpdate and bring today's record up to date."""
    connection.execute(
        update(voice_services).where(voice_services.c.id == service_id).values(last_update=now)
    )
    row = connection.execute(
        select(voice_services, tenants.c.partner_id)
        .join(tenants, tenants.c.id == voice_services.c.tenant_id)
        .where(voice_services.c.id == service_id)
    ).one()
    if row.ump_customer_guid is not None:
        record_today(connection, row, now)
    return row
