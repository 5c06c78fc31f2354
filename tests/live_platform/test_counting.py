"""licenseinfo's counts are counted by the database: on any numbers and monitored users, both
stores count exactly what the rules (live_platform/rules.py, the reference) say."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, insert

from licensehub.ledger.tables import (
    users,
    voice_monitored_users,
    voice_phone_numbers,
    voice_services,
)
from licensehub.live_platform import counting, queries
from licensehub.live_platform.rules import Factors, Monitored, Number, count
from tests.live_platform.strategies import FACTORS, MONITORED, NUMBERS, USERS
from tests.new_rows import a_tenant
from tests.query_plans import sqlite_reads

UPDATED = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def a_service(connection: Connection) -> tuple[int, list[int]]:
    """A service of a new tenant, and the ledger ids of the tenant's USERS users."""
    tenant = a_tenant(connection)
    service = connection.execute(
        insert(voice_services)
        .values(tenant_id=tenant, kind="DirectRouting", name="S")
        .returning(voice_services.c.id)
    ).scalar_one()
    user_ids = [
        connection.execute(
            insert(users)
            .values(tenant_id=tenant, object_id=uuid.uuid4(), user_principal_name=f"u{n}@t")
            .returning(users.c.id)
        ).scalar_one()
        for n in range(USERS)
    ]
    return service, user_ids


@settings(
    max_examples=60,
    deadline=None,
    # Each example works in a transaction of its own that is rolled back: the store is shared.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    numbers=st.lists(NUMBERS, max_size=30),
    monitored=st.lists(MONITORED, max_size=USERS, unique_by=lambda m: m.user_id),
    factors=FACTORS,
)
def test_the_database_counts_what_the_rules_say(
    engine: Engine, numbers: list[Number], monitored: list[Monitored], factors: Factors
) -> None:
    with engine.connect() as connection, connection.begin() as transaction:
        service, user_ids = a_service(connection)
        # The strategies' user n is the ledger's user_ids[n - 1].
        numbers = [n._replace(user_id=n.user_id and user_ids[n.user_id - 1]) for n in numbers]
        monitored = [
            Monitored(user_ids[m.user_id - 1], m.lifecycle_template, m.interface_updated)
            for m in monitored
        ]
        if numbers:
            connection.execute(
                insert(voice_phone_numbers),
                [
                    {
                        "service_id": service,
                        "telephone_number": f"+1555{n:04}",
                        "number_type": number.number_type,
                        "assignment_status": number.status,
                        "target_type": number.target_type,
                        "target_id": number.target_id,
                        "user_id": number.user_id,
                        "voice_routing_policy": number.policy,
                    }
                    for n, number in enumerate(numbers)
                ],
            )
        if monitored:
            connection.execute(
                insert(voice_monitored_users),
                [
                    {
                        "service_id": service,
                        "user_id": m.user_id,
                        "lifecycle_template": m.lifecycle_template,
                        "ui_updated_at": UPDATED if m.interface_updated else None,
                    }
                    for m in monitored
                ],
            )
        counted = counting.current_counts(connection, service, factors)
        transaction.rollback()
    assert counted == count(numbers, monitored, factors)


def test_a_services_numbers_and_users_are_read_by_index(engine: Engine) -> None:
    """The one statement reads the service's numbers and users by its key, whatever the size
    of the ledger; only its own parts (the keyed numbers, the users) are scanned."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's planner has statistics")
    reads = sqlite_reads(engine, counting.COUNTS)
    tables = [step for step in reads if " voice_" in step]  # not the statement's own parts
    assert all(step.startswith("SEARCH") for step in tables), reads
    assert {step.split()[1] for step in tables} == {"voice_phone_numbers", "voice_monitored_users"}


@pytest.mark.parametrize("kind", ["partner", "customer", "operator"])
def test_a_read_finds_the_service_and_its_rows_by_key(engine: Engine, kind: str) -> None:
    """licenseinfo's one statement (queries.read_statement) probes the service by its GUID
    and its records by the service's key: neither is scanned, and no number or user is read
    (the service's mark says whether today's record is current)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's planner has statistics")
    reads = sqlite_reads(engine, queries.read_statement(kind))
    tables = [step for step in reads if " voice_" in step or " tenants" in step]
    assert all(step.startswith("SEARCH") for step in tables), reads
    assert {step.split()[1] for step in tables} - {"visible_tenant"} == {
        "voice_services",
        "voice_license_info_days",
    }, reads
