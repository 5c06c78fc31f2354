"""A service's mark that today's license-info record holds its current inputs
(voice_services.record_current_on): reads trust it and count nothing, so whatever changes an
input, through the API or not, must clear it (migration 0010's triggers). A mark may be
missing, never stale."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, update

from licensehub.ledger.migrate import downgrade, upgrade
from licensehub.ledger.tables import (
    tenants,
    users,
    voice_license_factors,
    voice_license_info_days,
    voice_monitored_users,
    voice_phone_numbers,
    voice_services,
)
from tests.live_platform.conftest import Clock
from tests.live_platform.seed_service import (
    add_interface_user,
    records,
    service_id,
    set_factors,
)

# A change to the ledger, made in one transaction: the connection and the seed service's id.
Change = Callable[[Connection, int], object]


def mark(engine: Engine) -> date | None:
    with engine.connect() as connection:
        return connection.execute(
            select(voice_services.c.record_current_on).where(
                voice_services.c.id == service_id(engine)
            )
        ).scalar_one()


def first_row(connection: Connection, table: Table, service: int) -> int:
    """The id of the service's first number or monitored user."""
    return int(
        connection.execute(
            select(table.c.id).where(table.c.service_id == service).order_by(table.c.id).limit(1)
        ).scalar_one()
    )


def partner_of(connection: Connection, service: int) -> int:
    return int(
        connection.execute(
            select(tenants.c.partner_id)
            .join(voice_services, voice_services.c.tenant_id == tenants.c.id)
            .where(voice_services.c.id == service)
        ).scalar_one()
    )


def add_number(connection: Connection, service: int) -> None:
    connection.execute(
        insert(voice_phone_numbers).values(
            service_id=service,
            telephone_number="+15550100999",
            number_type="DirectRouting",
            assignment_status="ConferenceAssigned",
            target_type="ConferenceBridge",
            target_id="bridge",
        )
    )


def reassign_number(connection: Connection, service: int) -> None:
    connection.execute(
        update(voice_phone_numbers)
        .where(voice_phone_numbers.c.id == first_row(connection, voice_phone_numbers, service))
        .values(assignment_status="Unassigned", target_type=None, target_id=None, user_id=None)
    )


def remove_number(connection: Connection, service: int) -> None:
    number = first_row(connection, voice_phone_numbers, service)
    connection.execute(delete(voice_phone_numbers).where(voice_phone_numbers.c.id == number))


def change_template(connection: Connection, service: int) -> None:
    connection.execute(
        update(voice_monitored_users)
        .where(voice_monitored_users.c.id == first_row(connection, voice_monitored_users, service))
        .values(lifecycle_template="Another template")
    )


def stop_monitoring(connection: Connection, service: int) -> None:
    monitored = first_row(connection, voice_monitored_users, service)
    connection.execute(delete(voice_monitored_users).where(voice_monitored_users.c.id == monitored))


def own_setting(connection: Connection, service: int) -> None:
    connection.execute(
        insert(voice_license_factors).values(service_id=service, by_user_interface=False)
    )


def partner_setting_changed(connection: Connection, service: int) -> None:
    connection.execute(
        update(voice_license_factors)
        .where(voice_license_factors.c.partner_id == partner_of(connection, service))
        .values(service_numbers=False)
    )


def partner_setting_removed(connection: Connection, service: int) -> None:
    partner = partner_of(connection, service)
    connection.execute(
        delete(voice_license_factors).where(voice_license_factors.c.partner_id == partner)
    )


def acquired(connection: Connection, service: int) -> None:
    connection.execute(
        update(voice_services).where(voice_services.c.id == service).values(acquired_licenses=9)
    )


def tenant_moved(connection: Connection, service: int) -> None:
    """The same partner written again: a move to another one clears the mark the same way,
    and the service stays visible to the operator's scope either way."""
    tenant = select(voice_services.c.tenant_id).where(voice_services.c.id == service)
    connection.execute(
        update(tenants)
        .where(tenants.c.id == tenant.scalar_subquery())
        .values(partner_id=partner_of(connection, service))
    )


def todays_record(service: int) -> tuple[object, ...]:
    records = voice_license_info_days.c
    return (records.service_id == service, records.day == Clock().moment.date())


def record_edited(connection: Connection, service: int) -> None:
    connection.execute(
        update(voice_license_info_days).where(*todays_record(service)).values(body="{}")
    )


def record_removed(connection: Connection, service: int) -> None:
    connection.execute(delete(voice_license_info_days).where(*todays_record(service)))


INPUT_CHANGES: dict[str, Change] = {
    "number added": add_number,
    "number reassigned": reassign_number,
    "number removed": remove_number,
    "user's template changed": change_template,
    "user no longer monitored": stop_monitoring,
    "service's own factors set": own_setting,
    "partner's factors changed": partner_setting_changed,
    "partner's factors removed": partner_setting_removed,
    "licenses acquired": acquired,
    "tenant's partner written": tenant_moved,
    "today's record edited": record_edited,
    "today's record removed": record_removed,
}


def changed(engine: Engine, change: Change) -> None:
    sid = service_id(engine)
    with engine.begin() as connection:
        change(connection, sid)


def counted_again(api: TestClient, engine: Engine) -> list[dict[str, object]]:
    """The answer when every service's record is counted afresh."""
    with engine.begin() as connection:
        connection.execute(update(voice_services).values(record_current_on=None))
    return records(api)


@pytest.mark.parametrize("name", INPUT_CHANGES)
def test_an_input_changed_outside_the_api_clears_the_mark(
    api: TestClient, demo_engine: Engine, name: str
) -> None:
    """Each change clears the mark; the next read counts and marks again, and answers what
    counting afresh answers."""
    records(api)
    today = Clock().moment.date()
    assert mark(demo_engine) == today
    changed(demo_engine, INPUT_CHANGES[name])
    assert mark(demo_engine) is None
    served = records(api)
    assert mark(demo_engine) == today
    assert served == counted_again(api, demo_engine)


def test_changes_the_record_does_not_show_keep_the_mark(
    api: TestClient, demo_engine: Engine
) -> None:
    records(api)
    with demo_engine.begin() as connection:
        sid = service_id(demo_engine)
        connection.execute(
            update(voice_services).where(voice_services.c.id == sid).values(name="Renamed")
        )
        tenant = select(voice_services.c.tenant_id).where(voice_services.c.id == sid)
        connection.execute(
            update(tenants).where(tenants.c.id == tenant.scalar_subquery()).values(name="Renamed")
        )
        connection.execute(update(users).where(users.c.tenant_id == tenant.scalar_subquery())
                           .values(display_name="Renamed"))  # fmt: skip
    assert mark(demo_engine) == Clock().moment.date()


def test_a_writer_of_an_input_holds_back_the_read_that_counts(
    api: TestClient, demo_engine: Engine
) -> None:
    """With the mark cleared already, a transaction that stops monitoring a user still holds
    back a read that counts the service until it commits, and the read counts without the
    user. On PostgreSQL a delete takes no lock on the service's row by its foreign key (an
    insert would): the users' trigger updates that row, taking its lock, even when the mark
    is cleared already."""
    before = records(api)[0]["managedUsersUserInterface"]
    add_interface_user(demo_engine)  # the mark is cleared
    sid = service_id(demo_engine)
    newest = (
        select(func.max(voice_monitored_users.c.id))
        .where(voice_monitored_users.c.service_id == sid)
        .scalar_subquery()
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        with demo_engine.connect() as writer, writer.begin():
            stopped = delete(voice_monitored_users).where(voice_monitored_users.c.id == newest)
            writer.execute(stopped)
            pending = pool.submit(records, api)
            finished, _ = wait([pending], timeout=0.5)
            assert not finished, "the read counted while a writer of the service's users wrote"
        answer = pending.result(timeout=30)[0]
    assert answer["managedUsersUserInterface"] == before


def test_the_marks_triggers_come_back_with_their_migration(
    api: TestClient, demo_engine: Engine
) -> None:
    records(api)
    downgrade(demo_engine, "0009")  # the column and the triggers dropped, then made again
    upgrade(demo_engine)
    assert mark(demo_engine) is None  # no mark survives: the next read counts
    records(api)
    assert mark(demo_engine) == Clock().moment.date()
    set_factors(demo_engine, "service", service_numbers=False)
    assert mark(demo_engine) is None
