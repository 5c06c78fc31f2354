"""TableGrowth (ledger/statistics.py) analyzes a table an import has filled past what
PostgreSQL's statistics knew of it, once, and leaves a table its statistics know as larger
alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Connection, Engine, insert

from licensehub.ledger.statistics import ANALYZE_AFTER, TableGrowth, planned_rows
from licensehub.ledger.tables import license_usage
from tests.new_rows import a_tenant, usage_row

FIRST_DAY = date(2020, 1, 1)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans these statements without statistics")
    with engine.connect() as connection, connection.begin() as transaction:
        yield connection
        transaction.rollback()


def add_usage(connection: Connection, tenant: int, first: int, count: int) -> None:
    days = range(first, first + count)
    rows = [usage_row(tenant, FIRST_DAY + timedelta(days=day)) for day in days]
    connection.execute(insert(license_usage), rows)


def test_a_table_filled_past_its_statistics_is_analyzed_once(connection: Connection) -> None:
    tenant = a_tenant(connection)
    growth = TableGrowth(connection)
    add_usage(connection, tenant, 0, ANALYZE_AFTER - 1)
    growth.grew(license_usage, ANALYZE_AFTER - 1)
    # As the migration's ANALYZE left the empty table:
    assert planned_rows(connection, license_usage) == 0
    add_usage(connection, tenant, ANALYZE_AFTER - 1, 1)
    growth.grew(license_usage, 1)
    # The import's own rows, counted:
    assert planned_rows(connection, license_usage) == ANALYZE_AFTER
    add_usage(connection, tenant, ANALYZE_AFTER, 2 * ANALYZE_AFTER)
    growth.grew(license_usage, 2 * ANALYZE_AFTER)
    assert planned_rows(connection, license_usage) == ANALYZE_AFTER  # once in an import


def test_a_table_its_statistics_know_as_larger_is_left_alone(connection: Connection) -> None:
    tenant = a_tenant(connection)
    add_usage(connection, tenant, 0, 2 * ANALYZE_AFTER)
    connection.exec_driver_sql("ANALYZE license_usage")
    growth = TableGrowth(connection)
    add_usage(connection, tenant, 2 * ANALYZE_AFTER, 2 * ANALYZE_AFTER)
    growth.grew(license_usage, 2 * ANALYZE_AFTER)  # as many as it knew: not more
    assert planned_rows(connection, license_usage) == 2 * ANALYZE_AFTER
    add_usage(connection, tenant, 4 * ANALYZE_AFTER, 1)
    growth.grew(license_usage, 1)  # now more than it knew
    assert planned_rows(connection, license_usage) == 4 * ANALYZE_AFTER + 1


def test_a_table_another_import_is_analyzing_is_left_to_it(
    engine: Engine, connection: Connection
) -> None:
    """ANALYZE's lock lasts until the import's transaction ends: a second import does not wait
    for the first with a transaction of its own open (lock_timeout turns a wait into an
    error here)."""
    with engine.connect() as first, first.begin():
        first.exec_driver_sql("ANALYZE license_usage")  # its lock held until this block ends
        connection.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
        tenant = a_tenant(connection)
        add_usage(connection, tenant, 0, ANALYZE_AFTER)
        TableGrowth(connection).grew(license_usage, ANALYZE_AFTER)
        assert planned_rows(connection, license_usage) == 0  # skipped, not waited for
