"""The schema keeps the ledger consistent on both stores, and says which rule a write broke."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError, StatementError

from licensehub.ledger.integrity import LedgerConflict, explain
from licensehub.ledger.tables import (
    license_assignments,
    license_usage,
    partners,
    principals,
    skus,
    subscriptions,
    tenants,
    users,
)

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
E3 = uuid.UUID("6fd2c87f-b296-42f0-b197-1e91e994b900")


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as made:
        yield made


def add(connection: Connection, table: Any, **values: Any) -> int:
    row = connection.execute(insert(table).returning(*table.primary_key.columns), values).first()
    connection.commit()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


@pytest.fixture
def ledger(connection: Connection) -> dict[str, int]:
    """One partner, two tenants with a user each, and the Office 365 E3 SKU."""
    partner = add(connection, partners, name="Contoso Cloud Partners")
    tenant_a = add(connection, tenants, tenant_id=uuid.uuid4(), partner_id=partner, name="A")
    tenant_b = add(connection, tenants, tenant_id=uuid.uuid4(), partner_id=partner, name="B")
    add(connection, skus, sku_id=E3, sku_part_number="ENTERPRISEPACK", product_name="Office 365 E3")
    user_a = add(
        connection, users, tenant_id=tenant_a, object_id=uuid.uuid4(), user_principal_name="a@a"
    )
    user_b = add(
        connection, users, tenant_id=tenant_b, object_id=uuid.uuid4(), user_principal_name="b@b"
    )
    return {"partner": partner, "a": tenant_a, "b": tenant_b, "user_a": user_a, "user_b": user_b}


def refused(connection: Connection, table: Any, values: dict[str, Any]) -> LedgerConflict:
    with pytest.raises(IntegrityError) as caught:
        connection.execute(insert(table), values)
    connection.rollback()
    return explain(caught.value)


def usage_row(tenant: int, **overrides: Any) -> dict[str, Any]:
    return {
        "processed_date": date(2026, 10, 31),
        "tenant_id": tenant,
        "product_id": E3,
        "workload_code": "EXO",
        "workload_name": "Exchange",
        "service_code": "o365",
        "service_name": "Microsoft Office 365",
        "channel": "reseller",
        "customer_name": "A",
        "product_name": "OFFICE 365 ENTERPRISE E3",
        "licenses_active": 3,
        "licenses_qualified": 5,
    } | overrides


def test_duplicate_usage_row_is_refused(connection: Connection, ledger: dict[str, int]) -> None:
    add(connection, license_usage, **usage_row(ledger["a"]))
    conflict = refused(connection, license_usage, usage_row(ledger["a"], licenses_active=4))
    assert conflict.rule == "uq_license_usage_row"
    assert "processed date, tenant, product and workload" in str(conflict)


def test_usage_rows_differing_in_one_key_part_coexist(
    connection: Connection, ledger: dict[str, int]
) -> None:
    add(connection, license_usage, **usage_row(ledger["a"]))
    add(connection, license_usage, **usage_row(ledger["a"], workload_code="SPO"))
    add(connection, license_usage, **usage_row(ledger["a"], processed_date=date(2026, 11, 1)))
    add(connection, license_usage, **usage_row(ledger["b"]))
    assert len(connection.execute(select(license_usage)).all()) == 4


def test_negative_usage_counts_are_refused(connection: Connection, ledger: dict[str, int]) -> None:
    conflict = refused(connection, license_usage, usage_row(ledger["a"], licenses_active=-1))
    assert conflict.rule == "ck_license_usage_counts_not_negative"


def test_usage_of_an_unknown_tenant_is_refused(
    connection: Connection, ledger: dict[str, int]
) -> None:
    conflict = refused(connection, license_usage, usage_row(9999))
    assert "refers to a row that does not exist" in str(conflict)


def assignment(tenant: int, user: int, **overrides: Any) -> dict[str, Any]:
    return {"tenant_id": tenant, "user_id": user, "sku_id": E3, "valid_from": NOW} | overrides


def test_orphan_assignment_is_refused(connection: Connection, ledger: dict[str, int]) -> None:
    conflict = refused(connection, license_assignments, assignment(ledger["a"], 9999))
    assert str(conflict).startswith("license_assignments: refused")
    assert "refers to a row that does not exist" in str(conflict)


def test_assignment_to_another_tenants_user_is_refused(
    connection: Connection, ledger: dict[str, int]
) -> None:
    conflict = refused(connection, license_assignments, assignment(ledger["a"], ledger["user_b"]))
    assert "refers to a row that does not exist" in str(conflict)


def test_assignment_of_an_unknown_sku_is_refused(
    connection: Connection, ledger: dict[str, int]
) -> None:
    values = assignment(ledger["a"], ledger["user_a"], sku_id=uuid.uuid4())
    refused(connection, license_assignments, values)


def test_a_user_holds_a_sku_once_at_a_time_but_history_keeps_earlier_holdings(
    connection: Connection, ledger: dict[str, int]
) -> None:
    earlier = NOW - timedelta(days=30)
    add(
        connection,
        license_assignments,
        **assignment(
            ledger["a"], ledger["user_a"], valid_from=earlier - timedelta(days=9), valid_to=earlier
        ),
    )
    add(connection, license_assignments, **assignment(ledger["a"], ledger["user_a"]))
    conflict = refused(connection, license_assignments, assignment(ledger["a"], ledger["user_a"]))
    assert conflict.rule == "uq_license_assignments_current"


def test_an_assignment_cannot_end_before_it_starts(
    connection: Connection, ledger: dict[str, int]
) -> None:
    values = assignment(ledger["a"], ledger["user_a"], valid_to=NOW - timedelta(days=1))
    conflict = refused(connection, license_assignments, values)
    assert conflict.rule == "ck_license_assignments_valid_period"


def test_one_current_subscription_per_tenant_and_sku(
    connection: Connection, ledger: dict[str, int]
) -> None:
    seats = {"tenant_id": ledger["a"], "sku_id": E3, "enabled_units": 10}
    add(
        connection,
        subscriptions,
        **seats,
        valid_from=NOW - timedelta(days=60),
        valid_to=NOW - timedelta(days=30),
    )
    add(connection, subscriptions, **seats, valid_from=NOW - timedelta(days=30))
    conflict = refused(connection, subscriptions, seats | {"valid_from": NOW})
    assert conflict.rule == "uq_subscriptions_current"


def test_seat_counts_cannot_be_negative(connection: Connection, ledger: dict[str, int]) -> None:
    values = {"tenant_id": ledger["a"], "sku_id": E3, "suspended_units": -2, "valid_from": NOW}
    conflict = refused(connection, subscriptions, values)
    assert conflict.rule == "ck_subscriptions_units_not_negative"


def test_a_users_object_id_is_unique_within_its_tenant(
    connection: Connection, ledger: dict[str, int]
) -> None:
    object_id = uuid.uuid4()
    add(connection, users, tenant_id=ledger["a"], object_id=object_id, user_principal_name="x@a")
    add(connection, users, tenant_id=ledger["b"], object_id=object_id, user_principal_name="x@b")
    values = {"tenant_id": ledger["a"], "object_id": object_id, "user_principal_name": "y@a"}
    assert refused(connection, users, values).rule == "uq_users_tenant_id_object_id"


def test_tenant_ids_compare_case_insensitively(
    connection: Connection, ledger: dict[str, int]
) -> None:
    tenant_id = uuid.UUID("0112A436-B14E-4888-967B-CA4BB2CF1234")
    add(connection, tenants, tenant_id=tenant_id, partner_id=ledger["partner"], name="TEST")
    found = connection.execute(
        select(tenants.c.name).where(
            tenants.c.tenant_id == uuid.UUID("0112a436-b14e-4888-967b-ca4bb2cf1234")
        )
    ).scalar_one()
    assert found == "TEST"
    values = {"tenant_id": tenant_id, "partner_id": ledger["partner"], "name": "again"}
    assert refused(connection, tenants, values).rule == "uq_tenants_tenant_id"


@pytest.mark.parametrize(
    ("kind", "scope"),
    [
        ("operator", {"tenant": True}),
        ("partner", {}),
        ("partner", {"partner": True, "tenant": True}),
        ("customer", {"partner": True}),
        ("nobody", {}),
    ],
)
def test_a_principals_scope_matches_its_kind(
    connection: Connection, ledger: dict[str, int], kind: str, scope: dict[str, bool]
) -> None:
    values = {
        "kind": kind,
        "name": "someone",
        "partner_id": ledger["partner"] if scope.get("partner") else None,
        "tenant_id": ledger["a"] if scope.get("tenant") else None,
    }
    assert refused(connection, principals, values).rule == "ck_principals_scope_matches_kind"


@pytest.mark.parametrize(
    ("kind", "scope"),
    [("operator", {}), ("partner", {"partner": True}), ("customer", {"tenant": True})],
)
def test_each_kind_of_principal_has_its_one_scope(
    connection: Connection, ledger: dict[str, int], kind: str, scope: dict[str, bool]
) -> None:
    add(
        connection,
        principals,
        kind=kind,
        name=kind,
        partner_id=ledger["partner"] if scope.get("partner") else None,
        tenant_id=ledger["a"] if scope.get("tenant") else None,
    )


def test_timestamps_come_back_as_utc(connection: Connection, ledger: dict[str, int]) -> None:
    eastern = datetime(2026, 11, 1, 7, tzinfo=UTC).astimezone(ZoneInfo("America/New_York"))
    add(
        connection,
        license_assignments,
        **assignment(ledger["a"], ledger["user_a"], valid_from=eastern),
    )
    stored = connection.execute(select(license_assignments.c.valid_from)).scalar_one()
    assert stored == datetime(2026, 11, 1, 7, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_naive_timestamps_are_refused(connection: Connection, ledger: dict[str, int]) -> None:
    values = assignment(ledger["a"], ledger["user_a"], valid_from=datetime(2026, 11, 1, 7))
    with pytest.raises(StatementError, match="naive datetime"):
        connection.execute(insert(license_assignments), values)
