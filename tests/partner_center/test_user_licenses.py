"""GET /v1/customers/{customer_id}/users/{user_id}/licenses on the demo ledger."""

from __future__ import annotations

import uuid
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select

from licensehub.ledger.tables import (
    tenants,
    users,
)
from licensehub.partner_center import licenses
from tests.partner_center.holders import holder_of
from tests.query_plans import sqlite_reads
from tests.shared import recorded


def sku_ids(body: dict[str, Any]) -> set[str]:
    assert body["totalCount"] == len(body["items"])
    return {item["productSku"]["id"] for item in body["items"]}


def test_a_users_group1_licenses_by_default(api: TestClient, demo_engine: Engine) -> None:
    user = holder_of(demo_engine, "SPE_E5")
    response = api.get(user["path"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert sku_ids(body) == user["group1"]
    assert body["attributes"] == {"objectType": "Collection"}
    assert set(body) == {"totalCount", "items", "attributes"}


def test_the_body_has_partner_centers_shape(api: TestClient, demo_engine: Engine) -> None:
    item = api.get(holder_of(demo_engine, "ENTERPRISEPACK")["path"]).json()["items"][0]
    assert set(item) == {"servicePlans", "productSku", "attributes"}
    assert set(item["productSku"]) == {
        "id",
        "name",
        "skuPartNumber",
        "targetType",
        "licenseGroupId",
    }
    assert set(item["servicePlans"][0]) == {
        "displayName", "serviceName", "id", "capabilityStatus", "targetType"
    }  # fmt: skip
    assert item["attributes"] == {"objectType": "License"}
    reference = recorded("partner-center/GetCustomerLicenseUser.json")
    if reference is not None:  # every key of a recorded Partner Center response
        theirs = reference["items"][0]
        assert set(item) == set(theirs)
        # The recording omits productSku.targetType, which the seed page defines: served.
        assert set(theirs["productSku"]) <= set(item["productSku"])
        assert set(item["servicePlans"][0]) == set(theirs["servicePlans"][0])


def test_by_user_principal_name_in_any_case(api: TestClient, demo_engine: Engine) -> None:
    user = holder_of(demo_engine, "SPE_E3")
    by_upn = api.get(f"/v1/customers/{user['tenant']}/users/{user['upn'].upper()}/licenses")
    by_id = api.get(
        f"/v1/Customers/{str(user['tenant']).upper()}/Users/{user['object_id']}/Licenses"
    )
    assert by_upn.status_code == by_id.status_code == 200
    assert by_upn.json() == by_id.json()


def test_license_groups(api: TestClient, demo_engine: Engine) -> None:
    user = holder_of(demo_engine, "MEE_FACULTY")
    assert user["group2"]
    only2 = api.get(user["path"], params={"licenseGroupIds": "Group2"}).json()
    both = api.get(
        user["path"], params=[("licenseGroupIds", "group1"), ("licenseGroupIds", "GROUP2")]
    )
    assert sku_ids(only2) == user["group2"]
    assert only2["items"][0]["productSku"]["licenseGroupId"] == "group2"
    assert sku_ids(both.json()) == user["group1"] | user["group2"]


def test_no_license_in_the_group_is_an_empty_collection(
    api: TestClient, demo_engine: Engine
) -> None:
    user = holder_of(demo_engine, "SPE_E5")
    body = api.get(user["path"], params={"licenseGroupIds": "Group2"}).json()
    assert body == {"totalCount": 0, "items": [], "attributes": {"objectType": "Collection"}}


def test_an_unknown_license_group_is_400(api: TestClient, demo_engine: Engine) -> None:
    response = api.get(
        holder_of(demo_engine, "SPE_E5")["path"], params={"licenseGroupIds": "Group3"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"code", "description", "data", "source"}
    assert "Group3" in response.json()["description"]


def test_disabled_plans_are_marked(api: TestClient, demo_engine: Engine) -> None:
    user = holder_of(demo_engine, "SPE_E3", with_disabled=True)
    plans = [
        plan for item in api.get(user["path"]).json()["items"] for plan in item["servicePlans"]
    ]
    marked = {plan["id"] for plan in plans if plan["capabilityStatus"] == "Disabled"}
    assert marked == user["disabled"]
    assert {plan["capabilityStatus"] for plan in plans} == {"Assigned", "Disabled"}


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("application/json", "application/json"),
        ("text/json", "text/json"),
        ("application/xml", "application/xml"),
        ("text/xml", "text/xml"),
        ("text/html;q=0.9, application/xml", "application/xml"),
    ],
)
def test_media_types_by_accept(
    api: TestClient, demo_engine: Engine, accept: str | None, media: str
) -> None:
    user = holder_of(demo_engine, "SPE_E5")
    headers = {"Accept": accept} if accept else {}
    response = api.get(user["path"], headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    if media.endswith("json"):
        assert sku_ids(response.json()) == user["group1"]
        return
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Collection"
    licenses = root.findall("./items/License")
    assert root.findtext("totalCount") == str(len(licenses)) == str(len(user["group1"]))
    assert {node.findtext("productSku/id") for node in licenses} == user["group1"]
    assert licenses[0].find("servicePlans/ServicePlan/capabilityStatus") is not None


@pytest.mark.parametrize("accept", ["text/html", "image/png", "application/pdf"])
def test_other_media_types_are_406(api: TestClient, demo_engine: Engine, accept: str) -> None:
    response = api.get(holder_of(demo_engine, "SPE_E5")["path"], headers={"Accept": accept})
    assert response.status_code == 406
    assert set(response.json()) == {"code", "description", "data", "source"}


def test_unknown_customer_or_user_is_404(api: TestClient, demo_engine: Engine) -> None:
    user = holder_of(demo_engine, "SPE_E5")
    for path in (
        f"/v1/customers/{uuid.uuid4()}/users/{user['object_id']}/licenses",
        f"/v1/customers/{user['tenant']}/users/{uuid.uuid4()}/licenses",
        f"/v1/customers/{user['tenant']}/users/nobody@nowhere.example/licenses",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert set(response.json()) == {"code", "description", "data", "source"}


def test_a_user_of_another_tenant_is_not_found(api: TestClient, demo_engine: Engine) -> None:
    user = holder_of(demo_engine, "SPE_E5")
    other = holder_of(demo_engine, "O365_BUSINESS_PREMIUM")
    assert other["tenant"] != user["tenant"]
    response = api.get(f"/v1/customers/{user['tenant']}/users/{other['object_id']}/licenses")
    assert response.status_code == 404


def test_a_user_who_left_is_not_found(api: TestClient, demo_engine: Engine) -> None:
    with demo_engine.connect() as connection:
        row = connection.execute(
            select(users.c.object_id, tenants.c.tenant_id)
            .join(tenants, tenants.c.id == users.c.tenant_id)
            .where(users.c.deleted_at.is_not(None))
        ).first()
    assert row is not None
    assert (
        api.get(f"/v1/customers/{row.tenant_id}/users/{row.object_id}/licenses").status_code == 404
    )


def test_tracking_headers_are_echoed_or_generated(api: TestClient, demo_engine: Engine) -> None:
    path = holder_of(demo_engine, "SPE_E5")["path"]
    sent = {
        "MS-RequestId": "bad5f75f-fd44-43ab-9325-bbc79dcba9da",
        "MS-CorrelationId": "aaaa0000-bb11-2222-33cc-444444dddddd",
        "MS-CV": "f0trvmq8mEScHcFS.0",
        "X-Locale": "en-US",
    }
    echoed = api.get(path, headers=sent).headers
    for name in ("MS-RequestId", "MS-CorrelationId", "MS-CV"):
        assert echoed[name] == sent[name]
    generated = api.get(path).headers
    assert uuid.UUID(generated["MS-RequestId"])
    assert uuid.UUID(generated["MS-CorrelationId"])
    assert generated["MS-CV"].endswith(".0")
    missing = api.get(f"/v1/customers/{uuid.uuid4()}/users/x/licenses", headers=sent).headers
    assert missing["MS-RequestId"] == sent["MS-RequestId"]  # on errors too


@pytest.mark.parametrize("by_object_id", [True, False], ids=["object id", "name"])
def test_one_users_licenses_are_read_by_index(demo_engine: Engine, by_object_id: bool) -> None:
    """The customer, its user and the user's licenses with their plans in one statement:
    each table probed by key, none scanned nor built apart (in parentheses, the assignments
    joined to their SKUs were built for every user of the ledger before the one user's were
    picked); only a SKU's own sorted plans (the statement's `plans`) are read in full."""
    if demo_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's planner has statistics")
    reads = sqlite_reads(demo_engine, licenses.held_statement("partner", by_object_id))
    tables = [step for step in reads if step != "SCAN plans"]
    assert all(step.startswith("SEARCH") for step in tables), reads
    for table in ("license_assignments", "service_plans", "assignment_disabled_plans"):
        assert any(f" {table} " in step for step in tables), reads


def test_a_users_licenses_and_their_plans_are_one_statement(
    api: TestClient, demo_engine: Engine
) -> None:
    """An import that replaces a license (closes its version, opens a new one) cannot commit
    between the read of the held SKUs and the read of their plans and leave a SKU with none:
    there is one read. The statement is counted, so that splitting it again fails here."""
    user = holder_of(demo_engine, "SPE_E5")
    engine = api.app.state.engine  # type: ignore[attr-defined]
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        body = api.get(user["path"]).json()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert body["items"]
    assert all(item["servicePlans"] for item in body["items"])
    reads = [sql for sql in sent if "license_assignments" in sql]
    assert len(reads) == 1, reads
