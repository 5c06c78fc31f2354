"""PostgreSQL estimates the analytics filter's case-insensitive conditions from statistics on
the lowered columns (migration 0006), not from its fixed 0.5% guess: with the guess it planned
a day's thousands of filtered rows as one, and joined them to the tenants in nested loops
(1.3 s a query at 5,000 tenants, bench/HISTORY.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, text

from licensehub.ledger.tables import license_usage
from licensehub.partner_center.filters import GUID_FIELDS, parse_filter, to_sql
from licensehub.partner_center.usage import COLUMNS, usage_with_tenant
from tests.new_rows import tenants_of_a_partner, usage_row

DAY = date(2026, 11, 1)
WORKLOADS = ("EXO", "SPO", "TEAMS", "ODB", "YAM", "SFB")


@pytest.fixture
def postgres(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner estimates rows from statistics; SQLite's does not")
    return engine


def test_every_lowered_field_has_statistics(postgres: Engine) -> None:
    with postgres.connect() as connection:
        definitions = connection.execute(
            text(
                "SELECT pg_get_statisticsobjdef(oid) FROM pg_statistic_ext "
                "WHERE stxrelid = 'license_usage'::regclass"
            )
        ).scalars().all()  # fmt: skip
    lowered = [COLUMNS[field] for field in COLUMNS if field not in GUID_FIELDS]
    assert lowered  # the filter lowers some text fields, and every one has statistics
    for column in lowered:
        assert column.table is license_usage
        assert any(f"ON lower({column.name}::text) " in found for found in definitions), column


def usage_rows(tenant_ids: list[int]) -> list[dict[str, Any]]:
    return [
        usage_row(
            tenant,
            DAY,
            workload,
            channel="Reseller" if tenant % 5 else "Direct",
            product_name="Microsoft 365 E5" if tenant % 3 else "Office 365 E3",
        )
        for tenant in tenant_ids
        for workload in WORKLOADS
    ]


def estimated_and_actual(engine: Engine, filter_text: str) -> tuple[float, int]:
    condition = to_sql(parse_filter(filter_text), COLUMNS)
    statement = (
        select(license_usage.c.id)
        .select_from(usage_with_tenant)
        .where(license_usage.c.processed_date == DAY, condition)
    )
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        # psycopg reads EXPLAIN's json column into Python lists and dicts.
        plan = connection.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
        actual = connection.execute(select(func.count()).select_from(statement.subquery()))
        return plan[0]["Plan"]["Plan Rows"], actual.scalar_one()


def test_the_planner_estimates_a_filtered_day(postgres: Engine) -> None:
    with postgres.begin() as connection:
        tenant_ids = tenants_of_a_partner(connection, 200)
        connection.execute(insert(license_usage), usage_rows(tenant_ids))
    with postgres.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("ANALYZE license_usage")
        )
    for filter_text in (
        "workloadCode eq 'exo'",
        "(workloadCode eq 'EXO' or workloadCode eq 'TEAMS') and "
        "(channel eq 'direct' or productName eq 'Microsoft 365 E5')",
        "serviceName ne 'EXO service'",
    ):
        estimated, actual = estimated_and_actual(postgres, filter_text)
        # The guess would say 0.5% of the day's 1,200 rows (6) for each condition; the rows
        # are 200 or more.
        assert actual >= 200, filter_text
        assert actual / 3 <= estimated <= actual * 3, (filter_text, estimated, actual)
