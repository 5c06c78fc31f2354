"""GET /v1/customers/{customer_id}/subscribedskus: seats per SKU, checked against the ledger."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from licensehub.ledger.tables import license_assignments, skus, subscriptions, tenants
from licensehub.partner_center import licenses
from tests.query_plans import sqlite_reads
from tests.shared import recorded


def tenant_guid(engine: Engine, name: str) -> uuid.UUID:
    with engine.connect() as connection:
        return connection.execute(
            select(tenants.c.tenant_id).where(tenants.c.name == name)
        ).scalar_one()


def expected_seats(engine: Engine, name: str) -> dict[str, tuple[int, int, int, str]]:
    """(active, suspended, consumed, status) per SKU id, computed here."""
    with engine.connect() as connection:
        tenant_id = connection.execute(select(tenants.c.id).where(tenants.c.name == name)).scalar()
        seats = connection.execute(
            select(subscriptions)
            .join(skus, skus.c.sku_id == subscriptions.c.sku_id)
            .where(
                subscriptions.c.tenant_id == tenant_id,
                subscriptions.c.valid_to.is_(None),
                skus.c.license_group == "group1",
            )
        ).all()
        consumed = dict(
            connection.execute(  # type: ignore[arg-type]
                select(license_assignments.c.sku_id, func.count())
                .where(
                    license_assignments.c.tenant_id == tenant_id,
                    license_assignments.c.valid_to.is_(None),
                )
                .group_by(license_assignments.c.sku_id)
            ).all()
        )
    return {
        str(s.sku_id): (
            s.enabled_units,
            s.suspended_units,
            consumed.get(s.sku_id, 0),
            s.capability_status,
        )
        for s in seats
    }


def test_seats_agree_with_the_ledger(api: TestClient, demo_engine: Engine) -> None:
    body = api.get(
        f"/v1/customers/{tenant_guid(demo_engine, 'Wide World Importers')}/subscribedskus"
    ).json()
    expected = expected_seats(demo_engine, "Wide World Importers")
    assert body["totalCount"] == len(body["items"]) == len(expected)
    for item in body["items"]:
        active, suspended, consumed, status = expected[item["productSku"]["id"]]
        assert item["activeUnits"] == active
        assert item["consumedUnits"] == consumed
        assert item["suspendedUnits"] == suspended
        assert item["totalUnits"] == item["activeUnits"] + item["warningUnits"]
        assert item["availableUnits"] == item["totalUnits"] - item["consumedUnits"]
        assert item["capabilityStatus"] == status
        assert item["attributes"] == {"objectType": "SubscribedSku"}
        assert all(plan["capabilityStatus"] == "Enabled" for plan in item["servicePlans"])


def test_a_suspended_tenant(api: TestClient, demo_engine: Engine) -> None:
    items = api.get(
        f"/v1/customers/{tenant_guid(demo_engine, 'Coho Winery')}/subscribedskus"
    ).json()["items"]
    assert items
    for item in items:
        assert item["capabilityStatus"] == "Suspended"
        assert item["activeUnits"] == 0
        assert item["suspendedUnits"] > 0


def test_the_same_keys_as_partner_center(api: TestClient, demo_engine: Engine) -> None:
    item = api.get(
        f"/v1/customers/{tenant_guid(demo_engine, 'Woodgrove Bank')}/subscribedskus"
    ).json()["items"][0]
    assert set(item) == {
        "availableUnits", "activeUnits", "consumedUnits", "suspendedUnits", "totalUnits",
        "warningUnits", "productSku", "servicePlans", "capabilityStatus", "attributes",
    }  # fmt: skip
    reference = recorded("partner-center/GetCustomerLicense.json")
    if reference is not None:
        theirs = reference["items"][0]
        assert set(item) == set(theirs)
        assert set(item["productSku"]) == set(theirs["productSku"])


def test_license_group_2(api: TestClient, demo_engine: Engine) -> None:
    path = f"/v1/customers/{tenant_guid(demo_engine, 'Bellows College')}/subscribedskus"
    group1 = api.get(path).json()["items"]
    group2 = api.get(path, params={"licenseGroupIds": "Group2"}).json()["items"]
    assert {i["productSku"]["licenseGroupId"] for i in group1} == {"group1"}
    assert [i["productSku"]["skuPartNumber"] for i in group2] == ["MEE_FACULTY"]
    assert api.get(path, params={"licenseGroupIds": "nope"}).status_code == 400


def test_a_customer_without_seats_in_the_group(api: TestClient, demo_engine: Engine) -> None:
    """A customer it may see, with no subscription in the license group: an empty collection,
    not the 404 of a customer it may not see."""
    with demo_engine.connect() as connection:
        without_group2 = connection.execute(
            select(tenants.c.tenant_id)
            .where(
                ~select(subscriptions.c.id)
                .join(skus, skus.c.sku_id == subscriptions.c.sku_id)
                .where(
                    subscriptions.c.tenant_id == tenants.c.id,
                    subscriptions.c.valid_to.is_(None),
                    skus.c.license_group == "group2",
                )
                .exists()
            )
            .limit(1)
        ).scalar_one()
    path = f"/v1/customers/{without_group2}/subscribedskus"
    body = api.get(path, params={"licenseGroupIds": "Group2"}).json()
    assert body == {
        "totalCount": 0,
        "items": [],
        "links": {},
        "attributes": {"objectType": "Collection"},
    }
    assert api.get(path).json()["totalCount"] > 0  # it has seats in group 1


def test_seats_are_read_by_index(demo_engine: Engine) -> None:
    """The customer and its subscriptions with their counts and plans in one statement:
    each table probed by key, none scanned nor built apart; only a SKU's own sorted plans
    (the statement's `plans`) are read in full."""
    if demo_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's planner has statistics")
    reads = sqlite_reads(demo_engine, licenses.subscribed_statement("partner"))
    tables = [step for step in reads if step != "SCAN plans"]
    assert all(step.startswith("SEARCH") for step in tables), reads
    for table in ("license_assignments", "sku_service_plans", "service_plans"):
        assert any(f" {table} " in step for step in tables), reads
    # consumedUnits counted from the current assignments' index, no row read
    assert any("COVERING INDEX ix_license_assignments_current" in step for step in tables), reads


def test_an_unknown_customer_is_404(api: TestClient) -> None:
    assert api.get(f"/v1/customers/{uuid.uuid4()}/subscribedskus").status_code == 404
    assert api.get("/v1/customers/not-a-guid/subscribedskus").status_code == 400
