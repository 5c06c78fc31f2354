"""A service's mark that today's license-info record holds its current inputs
(voice_services.record_current_on): reads trust it and count nothing, so whatever changes an
input, through the API or not, must clear it (migration 0010's triggers). A mark may be
missing, never stale."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text, update

from licensehub.ledger.migrate import downgrade, upgrade
from licensehub.ledger.tables import (
    partners,
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

# The seed service's totalMonitoredUsers, as the licenseinfo page's example has it.
PAGE_MONITORED_USERS = 20

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


def another_partner(connection: Connection, service: int) -> int:
    """A partner the service's tenant does not belong to, with its global settings all off."""
    other = connection.execute(
        select(partners.c.id).where(partners.c.id != partner_of(connection, service)).limit(1)
    ).scalar_one()
    settings = voice_license_factors.c.partner_id == other
    connection.execute(delete(voice_license_factors).where(settings))
    connection.execute(
        insert(voice_license_factors).values(
            partner_id=other, by_template=False, by_user_interface=False, service_numbers=False
        )
    )
    return int(other)


def tenant_moved(connection: Connection, service: int) -> None:
    """To another partner (the operator's scope still sees the service), whose settings are
    the service's now."""
    other = another_partner(connection, service)
    tenant = select(voice_services.c.tenant_id).where(voice_services.c.id == service)
    connection.execute(
        update(tenants).where(tenants.c.id == tenant.scalar_subquery()).values(partner_id=other)
    )


def own_settings_off(connection: Connection, service: int) -> None:
    connection.execute(
        delete(voice_license_factors).where(voice_license_factors.c.service_id == service)
    )
    connection.execute(
        insert(voice_license_factors).values(
            service_id=service, by_template=False, by_user_interface=False, service_numbers=False
        )
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
    "tenant moved to another partner": tenant_moved,
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


def read_held_back_by(api: TestClient, engine: Engine, change: Change) -> list[dict[str, Any]]:
    """A read that counts (one more interface user clears the mark first), sent while
    `change` is written in a transaction still open: it must not answer before that commits.
    Its answer."""
    add_interface_user(engine)
    sid = service_id(engine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        with engine.connect() as writer, writer.begin():
            change(writer, sid)
            pending = pool.submit(records, api)
            finished, _ = wait([pending], timeout=0.5)
            assert not finished, "the read counted while a writer of its inputs wrote"
        return pending.result(timeout=30)


def stop_monitoring_the_newest(connection: Connection, service: int) -> None:
    newest = (
        select(func.max(voice_monitored_users.c.id))
        .where(voice_monitored_users.c.service_id == service)
        .scalar_subquery()
    )
    connection.execute(delete(voice_monitored_users).where(voice_monitored_users.c.id == newest))


def test_a_writer_of_an_input_holds_back_the_read_that_counts(
    api: TestClient, demo_engine: Engine
) -> None:
    """With the mark cleared already, a transaction that stops monitoring a user still holds
    back a read that counts the service until it commits, and the read counts without the
    user. On PostgreSQL a delete takes no lock on the service's row by its foreign key (an
    insert would): the users' trigger updates that row, taking its lock, even when the mark
    is cleared already."""
    before = records(api)[0]["managedUsersUserInterface"]
    answer = read_held_back_by(api, demo_engine, stop_monitoring_the_newest)[0]
    assert answer["managedUsersUserInterface"] == before


@pytest.mark.parametrize("settings", [own_settings_off, tenant_moved])
def test_a_read_that_waited_for_a_writer_of_settings_counts_with_its_settings(
    api: TestClient, demo_engine: Engine, settings: Change
) -> None:
    """A read that counts waits for a writer of the service's factor settings or of its
    tenant's partner, then reads the settings that writer committed. On PostgreSQL a
    statement that waits for a row's lock sees that row as the writer left it but the rows
    it joined as they were before: the service is locked by a statement of its own and read
    by the next (queries.service)."""
    records(api)
    served = read_held_back_by(api, demo_engine, settings)
    assert served[0]["LicenseFactors"] == dict.fromkeys(served[0]["LicenseFactors"], False)
    assert mark(demo_engine) == Clock().moment.date()
    assert served == counted_again(api, demo_engine)


def test_a_tenant_moving_to_a_partner_whose_settings_change_leaves_no_stale_mark(
    api: TestClient, demo_engine: Engine
) -> None:
    """One writer changes a partner's global settings while another moves a tenant to that
    partner and a read counts the tenant's service: whatever order they end in, the next
    read answers what counting afresh does. Global settings clear every service's mark, so
    the settings' writer holds every service's row (on PostgreSQL) and no snapshot decides
    which services were the partner's."""
    records(api)
    sid = service_id(demo_engine)
    with demo_engine.begin() as connection:
        other = another_partner(connection, sid)
        tenant = connection.execute(
            select(voice_services.c.tenant_id).where(voice_services.c.id == sid)
        ).scalar_one()
        connection.execute(
            update(voice_license_factors)
            .where(voice_license_factors.c.partner_id == other)
            .values(by_template=True, by_user_interface=True, service_numbers=True)
        )

    def move() -> None:
        with demo_engine.begin() as mover:
            mover.execute(update(tenants).where(tenants.c.id == tenant).values(partner_id=other))

    with ThreadPoolExecutor(max_workers=2) as pool:
        with demo_engine.connect() as writer, writer.begin():
            writer.execute(
                update(voice_license_factors)
                .where(voice_license_factors.c.partner_id == other)
                .values(by_template=False, by_user_interface=False, service_numbers=False)
            )
            moving = pool.submit(move)
            wait([moving], timeout=0.3)
            reading = pool.submit(records, api)
            wait([reading], timeout=0.3)
        moving.result(timeout=30)
        reading.result(timeout=30)
    assert records(api) == counted_again(api, demo_engine)
    assert records(api)[0]["LicenseFactors"] == dict.fromkeys(
        records(api)[0]["LicenseFactors"], False
    )


def test_a_truncated_table_clears_every_mark(api: TestClient, demo_engine: Engine) -> None:
    if demo_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE without WHERE fires the triggers)")
    records(api)
    with demo_engine.begin() as connection:
        connection.execute(text("TRUNCATE voice_monitored_users"))
    assert mark(demo_engine) is None
    served = records(api)
    assert served[0]["totalMonitoredUsers"] < PAGE_MONITORED_USERS
    assert served == counted_again(api, demo_engine)


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
