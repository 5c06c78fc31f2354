"""The Partner Center bodies built as plain dicts (partner_center/resources.py) are, byte for
byte, what their pydantic models write (same keys, same order, each objectType the model's),
for every customer of the demo ledger and a user holding licenses in each, in JSON and in
XML; and each SKU and service plan in them says what the catalog's row says."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from licensehub.ledger.tables import license_assignments, service_plans, skus, tenants, users
from licensehub.partner_center.negotiation import to_xml
from licensehub.partner_center.schemas import Collection, Customer, License, SubscribedSku
from tests.shared import model_written

BOTH_GROUPS = {"licenseGroupIds": ["Group1", "Group2"]}


def without_object_types(value: Any) -> Any:
    """The body with every `attributes` left out, for the models to write their own."""
    if isinstance(value, dict):
        return {k: without_object_types(v) for k, v in value.items() if k != "attributes"}
    if isinstance(value, list):
        return [without_object_types(item) for item in value]
    return value


def modelled(model: Any, body: bytes, **dump: Any) -> bytes:
    """What the model writes for the body; each objectType is the model's own."""
    return model_written(model, without_object_types(json.loads(body)), **dump)


def assert_catalog_values(engine: Engine, items: list[dict[str, Any]]) -> int:
    """Each item's productSku and servicePlans hold their catalog rows' values, read by
    column name; the number of plans checked."""
    with engine.connect() as connection:
        sku_rows = {str(row.sku_id): row for row in connection.execute(select(skus))}
        plan_rows = {
            str(row.service_plan_id): row for row in connection.execute(select(service_plans))
        }
    plans = 0
    for item in items:
        sku, row = item["productSku"], sku_rows[item["productSku"]["id"]]
        assert (sku["name"], sku["skuPartNumber"]) == (row.product_name, row.sku_part_number)
        assert (sku["targetType"], sku["licenseGroupId"]) == (row.target_type, row.license_group)
        for plan in item["servicePlans"]:
            stored = plan_rows[plan["id"]]
            assert (plan["displayName"], plan["serviceName"], plan["targetType"]) == (
                stored.display_name,
                stored.service_name,
                stored.target_type,
            )
            plans += 1
    return plans


def busiest_users(engine: Engine) -> list[tuple[str, str]]:
    """Per customer, the current user holding the most licenses now: (tenant id, object id)."""
    held = func.count(license_assignments.c.id)
    ranked = (
        select(
            tenants.c.tenant_id,
            users.c.object_id,
            func.row_number()
            .over(partition_by=tenants.c.id, order_by=(held.desc(), users.c.id))
            .label("rank"),
        )
        .join(users, users.c.tenant_id == tenants.c.id)
        .join(license_assignments, license_assignments.c.user_id == users.c.id)
        .where(license_assignments.c.valid_to.is_(None), users.c.deleted_at.is_(None))
        .group_by(tenants.c.id, tenants.c.tenant_id, users.c.id, users.c.object_id)
        .subquery()
    )
    with engine.connect() as connection:
        rows = connection.execute(
            select(ranked.c.tenant_id, ranked.c.object_id).where(ranked.c.rank == 1)
        ).all()
    return [(str(tenant), str(user)) for tenant, user in rows]


def test_customers_and_their_seats_are_written_as_their_models(
    api: TestClient, demo_engine: Engine
) -> None:
    listed = api.get("/v1/customers", params={"size": 500})
    assert listed.status_code == 200
    assert listed.content == modelled(Collection[Customer], listed.content)
    customers = listed.json()["items"]
    assert len(customers) > 1
    plans = 0
    for customer in customers:
        one = api.get(f"/v1/customers/{customer['id']}")
        assert one.content == modelled(Customer, one.content)
        seats = api.get(f"/v1/customers/{customer['id']}/subscribedskus", params=BOTH_GROUPS)
        assert seats.status_code == 200
        assert seats.content == modelled(Collection[SubscribedSku], seats.content)
        plans += assert_catalog_values(demo_engine, seats.json()["items"])
    assert plans > 0, "no service plans written: nothing proved"


def test_licenses_are_written_as_their_models_in_json_and_xml(
    api: TestClient, demo_engine: Engine
) -> None:
    holders = busiest_users(demo_engine)
    assert len(holders) > 1
    for tenant_id, object_id in holders:
        path = f"/v1/customers/{tenant_id}/users/{object_id}/licenses"
        as_json = api.get(path, params=BOTH_GROUPS)
        assert as_json.status_code == 200
        assert as_json.json()["items"], path
        expected = modelled(Collection[License], as_json.content, exclude={"links"})
        assert as_json.content == expected
        assert assert_catalog_values(demo_engine, as_json.json()["items"]) > 0
        as_xml = api.get(path, params=BOTH_GROUPS, headers={"Accept": "application/xml"})
        assert as_xml.content == to_xml(json.loads(expected))
