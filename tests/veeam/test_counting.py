"""LicensingInformation is counted by the database: on any users, both stores count exactly
what the rules (veeam/rules.py, the reference) say."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert

from licensehub.auth.principals import Principal
from licensehub.auth.tenant_scope import TenantScope
from licensehub.ledger.tables import (
    backup_organizations,
    backup_protected_users,
)
from licensehub.veeam import queries
from licensehub.veeam.rules import GRACE, WINDOW, License, ProtectedUser, licensing_information
from tests.new_rows import a_tenant
from tests.query_plans import sqlite_reads

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
OPERATOR = TenantScope(Principal(0, "operator", "test operator"))
SECOND = timedelta(seconds=1)
# Moments around every edge the rules have, and a spread of others.
EDGES = [NOW - WINDOW, NOW - GRACE, NOW - timedelta(days=20), NOW]
MOMENTS = st.one_of(
    st.sampled_from(EDGES).flatmap(
        lambda edge: st.sampled_from([edge - SECOND, edge, edge + SECOND])
    ),
    st.integers(0, 60 * 86_400).map(lambda seconds: NOW - timedelta(seconds=seconds)),
)
USERS = st.lists(st.tuples(st.none() | MOMENTS, st.none() | MOMENTS), max_size=12)
LICENSES = st.builds(
    License,
    type=st.sampled_from(["Subscription", "Rental"]),
    limit=st.integers(0, 5),
    period_started_at=st.none() | MOMENTS,
)


@settings(
    max_examples=60,
    deadline=None,
    # Each example works in a transaction of its own that is rolled back: the store is shared.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(users=USERS, license=LICENSES)
def test_the_database_counts_what_the_rules_say(
    engine: Engine, users: list[tuple[datetime | None, datetime | None]], license: License
) -> None:
    protected = [ProtectedUser(uuid.uuid4(), first, last) for first, last in users]
    with engine.connect() as connection, connection.begin() as transaction:
        tenant = a_tenant(connection)
        guid = uuid.uuid4()
        org_id = connection.execute(
            insert(backup_organizations)
            .values(
                tenant_id=tenant,
                organization_id=guid,
                name="O",
                license_type=license.type,
                licensed_users_limit=license.limit,
                period_started_at=license.period_started_at,
            )
            .returning(backup_organizations.c.id)
        ).scalar_one()
        if protected:
            connection.execute(
                insert(backup_protected_users),
                [
                    {
                        "organization_id": org_id,
                        "backup_user_id": user.id,
                        "name": f"user {n}",
                        "first_backup_time": user.first_backup_time,
                        "last_backup_time": user.last_backup_time,
                    }
                    for n, user in enumerate(protected)
                ],
            )
        counted = queries.licensing_information(connection, OPERATOR, guid, NOW)
        transaction.rollback()
    assert counted == licensing_information(protected, license, NOW)


def test_the_organization_is_found_and_counted_by_index(engine: Engine) -> None:
    """LicensingInformation's one statement probes the organization, its tenant and its
    users by key: no table scanned, whatever the ledger's size."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's planner has statistics")
    reads = sqlite_reads(engine, queries.licensing_statement("partner"))
    assert all(step.startswith("SEARCH") for step in reads), reads
    assert any("backup_protected_users" in step for step in reads), reads
