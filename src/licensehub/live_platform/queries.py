"""The Live Platform's reads and writes of the ledger, scoped to what the caller may see."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Row,
    Select,
    Subquery,
    bindparam,
    select,
    update,
)

from licensehub.auth.tenant_scope import TenantScope, one_tenant_restriction
from licensehub.kit.errors import NotFound
from licensehub.kit.json_rows import joined
from licensehub.ledger.tables import (
    tenants,
    voice_license_factors,
    voice_license_info_days,
    voice_services,
)
from licensehub.ledger.upsert import upsert
from licensehub.live_platform.counting import SERVICE, current_counts
from licensehub.live_platform.resources import LICENSE_INFO_JSON, license_info_text
from licensehub.live_platform.rules import FACTOR_NAMES, Factors, LicenseCounts, effective_factors

GUID: BindParameter[Any] = bindparam("guid")
DAY: BindParameter[Any] = bindparam("day")
SINCE: BindParameter[Any] = bindparam("since")


# The partner's global factor settings and the service's own, each a row or none.
GLOBAL_SETTING = voice_license_factors.alias("global_setting")
OWN_SETTING = voice_license_factors.alias("own_setting")
# A service, its partner and both settings of its factors (read in factors()): read with the
# service, not in a statement of their own, which on PostgreSQL is one more round trip.
SERVICE_WITH_SETTINGS = (
    select(
        voice_services,
        tenants.c.partner_id,
        *(GLOBAL_SETTING.c[name].label(f"global_{name}") for name in FACTOR_NAMES),
        *(OWN_SETTING.c[name].label(f"own_{name}") for name in FACTOR_NAMES),
    )
    .join(tenants, tenants.c.id == voice_services.c.tenant_id)
    .outerjoin(GLOBAL_SETTING, GLOBAL_SETTING.c.partner_id == tenants.c.partner_id)
    .outerjoin(OWN_SETTING, OWN_SETTING.c.service_id == voice_services.c.id)
)


# The statements of a GET are built once: the service and the day are bound parameters and
# the scope is one_tenant_restriction()'s, so that one statement per kind of principal serves
# every request without being built and keyed again (bench/HISTORY.md).
def visible_by_guid(kind: str) -> tuple[ColumnElement[bool], ...]:
    return (
        voice_services.c.ump_customer_guid == GUID,
        one_tenant_restriction(kind, voice_services.c.tenant_id),
    )


@cache
def service_statement(kind: str) -> Select[Any]:
    return SERVICE_WITH_SETTINGS.where(*visible_by_guid(kind))


# PostgreSQL locks the service's row until the transaction ends, as every write to the
# service's inputs does (touched(), or migration 0010's triggers). SQLite has no row locks
# and compiles this away: there the write transaction holds the database's write lock from
# its BEGIN.
@cache
def lock_statement(kind: str) -> Select[Any]:
    return select(voice_services.c.id).where(*visible_by_guid(kind)).with_for_update()


SERVICE_BY_ID = SERVICE_WITH_SETTINGS.where(voice_services.c.id == SERVICE)


def service(
    connection: Connection, scope: TenantScope, guid: uuid.UUID, *, lock: bool = False
) -> Row[Any] | None:
    values = scope.values(guid=guid)
    if not lock:
        return connection.execute(service_statement(scope.principal.kind), values).first()
    locked = connection.execute(lock_statement(scope.principal.kind), values).scalar()
    if locked is None:
        return None
    # Read once the lock is held, in a statement of its own: on PostgreSQL, a statement that
    # waited for the lock sees the service's row as the writer left it, but the rows it
    # joined (the tenant's partner, the factor settings) as they were before the wait. A
    # new statement sees everything the writer committed.
    return connection.execute(SERVICE_BY_ID, {"service": locked}).one()


def visible_service(
    connection: Connection, scope: TenantScope, guid: uuid.UUID, *, lock: bool = False
) -> Row[Any]:
    """The service, if the principal may see it; else the same 404 as for no service.
    With lock, no other transaction writes the service until this one ends, and the row is
    read after the lock is held."""
    row = service(connection, scope, guid, lock=lock)
    if row is None:
        raise NotFound(f"No service with umpCustomerGuid {guid}.")
    return row


def factors(service_row: Row[Any]) -> Factors:
    """The factors in effect for a service read by SERVICE_WITH_SETTINGS."""
    values = service_row._mapping
    return effective_factors(
        {name: values[f"global_{name}"] for name in FACTOR_NAMES},
        {name: values[f"own_{name}"] for name in FACTOR_NAMES},
    )


def day_record(
    service_row: Row[Any],
    day: date,
    counts: LicenseCounts,
    effective: Factors,
    last_update: datetime | None,
) -> dict[str, Any]:
    """One row of voice_license_info_days, its body written from the rest."""
    record = {
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
    guid = service_row.ump_customer_guid
    record["body"] = license_info_text(record, None if guid is None else str(guid))
    return record


def today_record(connection: Connection, service_row: Row[Any], now: datetime) -> dict[str, Any]:
    """Today's record as the current inputs make it."""
    effective = factors(service_row)
    counts = current_counts(connection, service_row.id, effective)
    return day_record(service_row, now.date(), counts, effective, service_row.last_update)


RECORD = select(voice_license_info_days).where(
    voice_license_info_days.c.service_id == SERVICE,
    voice_license_info_days.c.day == DAY,
)


def is_recorded(connection: Connection, record: dict[str, Any]) -> bool:
    """Whether the ledger holds this day's record as it is."""
    values = {"service": record["service_id"], "day": record["day"]}
    return holds(connection.execute(RECORD, values).first(), record)


def holds(stored: Row[Any] | None, record: dict[str, Any]) -> bool:
    """Whether a stored voice_license_info_days row is this record."""
    return stored is not None and all(
        stored._mapping[name] == value for name, value in record.items()
    )


def save_record(connection: Connection, record: dict[str, Any]) -> None:
    """A day's record, written over the one the ledger holds for that day."""
    upsert(connection, voice_license_info_days, record, key=("service_id", "day"))


MARK = update(voice_services).where(voice_services.c.id == SERVICE).values(record_current_on=DAY)


def mark_current(connection: Connection, record: dict[str, Any]) -> None:
    """The service's record of this day holds its current inputs, as the ledger now does: a
    read of that day sends it without counting (read()). Whatever changes an input next
    clears the mark (migration 0010's triggers), so call this only in the transaction that
    counted the record, after the inputs' last write, with the service's row locked before
    the inputs were read (visible_service(lock=True), or an UPDATE of it as in touched()):
    then no other writer of an input can commit in between."""
    connection.execute(MARK, {"service": record["service_id"], "day": record["day"]})


def record_today(connection: Connection, service_row: Row[Any], now: datetime) -> None:
    """Today's record, (re)written from the current inputs. Days before today are never
    written again: once a day is over, its record is frozen."""
    record = today_record(connection, service_row, now)
    save_record(connection, record)
    mark_current(connection, record)


def newest_first(service: ColumnElement[Any]) -> Subquery:
    """The bodies of the service's records from SINCE on, newest first."""
    records = voice_license_info_days.c
    return (
        select(records.body)
        .where(records.service_id == service, records.day >= SINCE)
        .order_by(records.day.desc())
        .subquery("records")
    )


HISTORY: Select[str | None] = select(joined(newest_first(SERVICE)))


def history(connection: Connection, service_id: int, since: date) -> str | None:
    """The bodies of the service's records from `since` on, newest first, joined by commas
    (None if there is none)."""
    return connection.execute(HISTORY, {"service": service_id, "since": since}).scalar()


# A GET's one statement (on PostgreSQL each is a round trip): the service, as
# service_statement() finds it (without its settings), the day its record was counted for,
# and the bodies from SINCE on, joined as history() joins them.
@cache
def read_statement(kind: str) -> Select[Any]:
    service = (
        select(voice_services.c.id, voice_services.c.record_current_on)
        .where(*visible_by_guid(kind))
        .cte("service")
    )
    bodies = select(joined(newest_first(service.c.id))).scalar_subquery()
    return select(service.c.record_current_on, bodies.label("bodies"))


def read(connection: Connection, scope: TenantScope, guid: uuid.UUID, since: date) -> Row[Any]:
    """The service's row of read_statement(), if the principal may see the service; else
    the same 404 as for no service."""
    values = scope.values(guid=guid, since=since)
    row = connection.execute(read_statement(scope.principal.kind), values).first()
    if row is None:
        raise NotFound(f"No service with umpCustomerGuid {guid}.")
    return row


def write_bodies(connection: Connection) -> None:
    """Every record given its body by the database, as day_record() writes one: for records
    written in bulk, by SQL (the migration that added the column, the bench's ledger). Service
    by service, each its umpCustomerGuid bound as text."""
    recorded = select(voice_services.c.id, voice_services.c.ump_customer_guid).where(
        voice_services.c.id.in_(select(voice_license_info_days.c.service_id).distinct())
    )
    bodies = (
        update(voice_license_info_days)
        .where(voice_license_info_days.c.service_id == SERVICE)
        .values(body=LICENSE_INFO_JSON)
    )
    for service_id, guid in connection.execute(recorded).all():
        values = {"service": service_id, "guid_text": None if guid is None else str(guid)}
        connection.execute(bodies, values)


def touched(connection: Connection, service_id: int, now: datetime) -> Row[Any]:
    """An input changed: stamp lastUpdate and bring today's record up to date."""
    connection.execute(
        update(voice_services).where(voice_services.c.id == service_id).values(last_update=now)
    )
    row = connection.execute(SERVICE_BY_ID, {"service": service_id}).one()
    if row.ump_customer_guid is not None:
        record_today(connection, row, now)
    return row
