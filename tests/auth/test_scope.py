"""Who may see what, route by route, on both stores: a customer sees only its tenant, a
partner only its customers, and what one may not see answers exactly like what does not
exist. Every scoped route needs a case here (test_routes.py checks)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from licensehub.ledger.tables import imports, license_assignments, tenants, users, voice_services
from tests.auth.world import World, build_world
from tests.conftest import ClientFactory
from tests.veeam.scope_cases import VEEAM_SCOPE_CASES


@pytest.fixture
def world(demo_engine: Engine) -> World:
    return build_world(demo_engine)


@pytest.fixture
def scoped_client(make_client: ClientFactory, demo_url: str) -> Iterator[TestClient]:
    with make_client(demo_url) as client:
        yield client


def assert_same_as_missing(
    hidden: httpx.Response, missing: httpx.Response, hidden_id: uuid.UUID, missing_id: uuid.UUID
) -> None:
    """Same status, same media type, same body but for the id that was asked for."""
    assert hidden.status_code == missing.status_code == 404
    assert hidden.headers["content-type"] == missing.headers["content-type"]
    placeholder = "<asked>"
    assert hidden.text.replace(str(hidden_id), placeholder) == missing.text.replace(
        str(missing_id), placeholder
    )


def customer_by_id(client: TestClient, world: World) -> None:
    def get(tenant_id: uuid.UUID, token: str) -> httpx.Response:
        return client.get(f"/v1/customers/{tenant_id}", headers=world.headers(token))

    for token, visible, hidden in (
        (world.customer_a, world.a, world.b),
        (world.partner_a, world.a, world.b),
    ):
        assert get(visible.tenant_id, token).json()["id"] == str(visible.tenant_id)
        assert_same_as_missing(
            get(hidden.tenant_id, token), get(world.missing, token), hidden.tenant_id, world.missing
        )
    for tenant in (world.a, world.b):
        assert get(tenant.tenant_id, world.operator).status_code == 200


def customers_collection(client: TestClient, world: World) -> None:
    def ids(token: str, **params: object) -> set[uuid.UUID]:
        body = client.get("/v1/customers", headers=world.headers(token), params=params).json()
        found = {uuid.UUID(item["id"]) for item in body["items"]}
        assert body["totalCount"] == len(found)
        return found

    everyone = set().union(*world.partner_tenants.values())
    assert ids(world.customer_a) == {world.a.tenant_id}
    assert ids(world.partner_a) == world.partner_tenants[world.a.partner_id]
    assert ids(world.operator) == everyone
    assert world.b.tenant_id not in ids(world.partner_a, size=500)


def a_user_of(client: TestClient, world: World, tenant_id: uuid.UUID) -> str:
    """The object id of a user of the tenant who holds a license."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return str(
            connection.execute(
                select(users.c.object_id)
                .join(tenants, tenants.c.id == users.c.tenant_id)
                .join(license_assignments, license_assignments.c.user_id == users.c.id)
                .where(tenants.c.tenant_id == tenant_id, users.c.deleted_at.is_(None))
                .limit(1)
            ).scalar_one()
        )


def under_customer(template: str) -> Callable[[TestClient, World], None]:
    """A case for a route under /v1/customers/{customer_id}: tenant B's resource, asked for
    by a principal who may not see B, answers exactly like a customer that does not exist."""

    def case(client: TestClient, world: World) -> None:
        user_b = a_user_of(client, world, world.b.tenant_id)
        user_a = a_user_of(client, world, world.a.tenant_id)

        def get(tenant_id: uuid.UUID, user_id: str, token: str) -> httpx.Response:
            path = template.format(customer_id=tenant_id, user_id=user_id)
            return client.get(path, headers=world.headers(token))

        for token in (world.customer_a, world.partner_a):
            assert get(world.a.tenant_id, user_a, token).status_code == 200
            assert_same_as_missing(
                get(world.b.tenant_id, user_b, token),
                get(world.missing, user_b, token),
                world.b.tenant_id,
                world.missing,
            )
        assert get(world.b.tenant_id, user_b, world.operator).status_code == 200

    return case


USAGE = "/partner/v1/analytics/commercial/usage/license"


def usage_rows(client: TestClient, world: World, token: str, **params: str) -> set[uuid.UUID]:
    body = client.get(USAGE, headers=world.headers(token), params=params).json()
    assert body["TotalCount"] == len(body["Value"])
    return {uuid.UUID(row["customerTenantId"]) for row in body["Value"]}


def license_usage(client: TestClient, world: World) -> None:
    """Rows hold only the tenants a principal may see, whatever its filter says."""
    ask_for_b = {"filter": f"customerTenantId eq '{world.b.tenant_id}'"}
    assert usage_rows(client, world, world.customer_a) == {world.a.tenant_id}
    assert usage_rows(client, world, world.customer_a, **ask_for_b) == set()
    assert usage_rows(client, world, world.partner_a) <= world.partner_tenants[world.a.partner_id]
    assert usage_rows(client, world, world.partner_a, **ask_for_b) == set()
    assert usage_rows(client, world, world.operator, **ask_for_b) == {world.b.tenant_id}


def record_imports(client: TestClient, world: World) -> dict[str, int]:
    """One import record about tenant A, one about B, one global (the catalog)."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    ids = {}
    with engine.begin() as connection:
        for name, tenant_id in (("a", world.a.id), ("b", world.b.id), ("global", None)):
            ids[name] = connection.execute(
                insert(imports)
                .values(
                    kind="usage",
                    status="succeeded",
                    actor="t",
                    tenant_id=tenant_id,
                    files="f",
                    digest="d",
                )
                .returning(imports.c.id)
            ).scalar_one()
    return ids


def import_records(client: TestClient, world: World) -> None:
    ids = record_imports(client, world)

    def listed(token: str) -> set[int]:
        return {r["id"] for r in client.get("/imports", headers=world.headers(token)).json()}

    assert listed(world.customer_a) == {ids["a"]}
    assert listed(world.partner_a) == {ids["a"]}
    assert listed(world.operator) >= set(ids.values())


def import_record(client: TestClient, world: World) -> None:
    ids = record_imports(client, world)

    def get(import_id: int, token: str) -> httpx.Response:
        return client.get(f"/imports/{import_id}", headers=world.headers(token))

    missing = 999_999
    for token in (world.customer_a, world.partner_a):
        assert get(ids["a"], token).status_code == 200
        for hidden in (ids["b"], ids["global"]):
            response, absent = get(hidden, token), get(missing, token)
            assert response.status_code == absent.status_code == 404
            assert response.text.replace(str(hidden), "#") == absent.text.replace(str(missing), "#")
    assert get(ids["b"], world.operator).status_code == 200


def usage_upload(tenant_id: uuid.UUID) -> bytes:
    row = {
        "processedDateTime": "2026-01-01", "workloadCode": "EXO", "workloadName": "Exchange",
        "serviceCode": "o365", "serviceName": "Microsoft Office 365", "channel": "reseller",
        "customerTenantId": str(tenant_id), "customerName": "X",
        "productId": "6fd2c87f-b296-42f0-b197-1e91e994b900", "productName": "E3",
        "licensesActive": 1, "licensesQualified": 2,
    }  # fmt: skip
    return json.dumps({"Value": [row]}).encode()


def import_upload(client: TestClient, world: World) -> None:
    """A customer may import its own tenant's files; another tenant's answer exactly like a
    tenant that does not exist, and nothing is written."""

    def post(tenant_id: uuid.UUID) -> httpx.Response:
        return client.post(
            "/imports/usage",
            content=usage_upload(tenant_id),
            headers=world.headers(world.customer_a_writer),
        )

    assert post(world.a.tenant_id).status_code == 201
    hidden, absent = post(world.b.tenant_id), post(world.missing)
    assert hidden.status_code == absent.status_code == 403
    strip = lambda r, guid: r.json()["detail"].replace(str(guid), "<asked>")  # noqa: E731
    assert strip(hidden, world.b.tenant_id) == strip(absent, world.missing)
    rows = client.get(
        USAGE, headers=world.headers(world.operator), params={"processedDateTime": "2026-01-01"}
    ).json()
    assert {r["customerTenantId"] for r in rows["Value"]} == {str(world.a.tenant_id)}
    catalog = client.post(
        "/imports/catalog", content=b"x", headers=world.headers(world.customer_a_writer)
    )
    assert catalog.status_code == 403


RELECLOUD_VOICE = uuid.UUID("c7a9e4d2-5b18-4f3a-a6c0-81e2f5d7b903")  # tenant B's voice service


def voice_license_info(client: TestClient, world: World) -> None:
    def get(guid: uuid.UUID, token: str) -> httpx.Response:
        return client.get(f"/api/v3/customer/{guid}/licenseinfo", headers=world.headers(token))

    for token in (world.customer_a, world.partner_a):
        hidden, absent = get(RELECLOUD_VOICE, token), get(world.missing, token)
        assert hidden.status_code == absent.status_code == 404
        trace = hidden.json()["traceId"], absent.json()["traceId"]  # per request, by design
        assert hidden.text.replace(str(RELECLOUD_VOICE), "#").replace(trace[0], "t") == (
            absent.text.replace(str(world.missing), "#").replace(trace[1], "t")
        )
    assert get(RELECLOUD_VOICE, world.operator).status_code == 200


LITWARE_VOICE = uuid.UUID("b11a3f8a-9220-457a-938f-cae531f79d67")  # partner A's customer
NUMBERS = {LITWARE_VOICE: "+142515500010", RELECLOUD_VOICE: "+14253550000"}


def voice_user(client: TestClient, guid: uuid.UUID) -> str:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return str(
            connection.execute(
                select(users.c.object_id)
                .join(voice_services, voice_services.c.tenant_id == users.c.tenant_id)
                .where(voice_services.c.ump_customer_guid == guid, users.c.deleted_at.is_(None))
                .order_by(users.c.id.desc())
                .limit(1)
            ).scalar_one()
        )


def same_problem(hidden: httpx.Response, absent: httpx.Response, *asked: tuple[str, str]) -> None:
    assert hidden.status_code == absent.status_code == 404, (hidden.text, absent.text)
    texts = []
    for response, (value, _) in zip((hidden, absent), asked, strict=True):
        body = response.json()
        texts.append(response.text.replace(str(body.get("traceId")), "t").replace(value, "#"))
    assert texts[0] == texts[1]


def voice_write(method: str, template: str, body: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    """A write under /api/v3/customer/{customerGuid}: on a service the principal may not see
    it answers exactly like a service that does not exist, and changes nothing there."""

    def case(client: TestClient, world: World) -> None:
        def call(guid: uuid.UUID, user: str) -> httpx.Response:
            path = template.format(guid=guid, user=user, number=NUMBERS.get(guid, "+100000"))
            return client.request(
                method, path, json=body, headers=world.headers(world.partner_a_writer)
            )

        def history(guid: uuid.UUID) -> Any:
            return client.get(
                f"/api/v3/customer/{guid}/licenseinfo", headers=world.headers(world.operator)
            ).json()

        before = history(RELECLOUD_VOICE)
        own = call(LITWARE_VOICE, voice_user(client, LITWARE_VOICE))
        assert own.status_code in (200, 201), own.text
        user_b = voice_user(client, RELECLOUD_VOICE)
        same_problem(
            call(RELECLOUD_VOICE, user_b),
            call(world.missing, user_b),
            (str(RELECLOUD_VOICE), ""),
            (str(world.missing), ""),
        )
        after = history(RELECLOUD_VOICE)
        assert [r["lastUpdate"] for r in after] == [r["lastUpdate"] for r in before]

    return case


def create_voice_service(client: TestClient, world: World) -> None:
    def post(tenant_id: uuid.UUID) -> httpx.Response:
        return client.post(
            "/api/v3/services",
            json={"tenantId": str(tenant_id), "serviceType": "DirectRouting"},
            headers=world.headers(world.partner_a_writer),
        )

    assert post(world.a.tenant_id).status_code == 201
    same_problem(
        post(world.b.tenant_id),
        post(world.missing),
        (str(world.b.tenant_id), ""),
        (str(world.missing), ""),
    )


def apply_voice_license(client: TestClient, world: World) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        relecloud = connection.execute(
            select(voice_services.c.id).where(voice_services.c.ump_customer_guid == RELECLOUD_VOICE)
        ).scalar_one()
        lead = connection.execute(
            select(voice_services.c.id).where(voice_services.c.ump_customer_guid.is_(None))
        ).scalar_one()  # Fourth Coffee: partner A's

    def post(service_id: int) -> httpx.Response:
        return client.post(
            f"/api/v3/services/{service_id}/license",
            json={"acquiredLicenses": 5},
            headers=world.headers(world.partner_a_writer),
        )

    applied = post(lead)
    assert applied.status_code == 200
    assert uuid.UUID(applied.json()["umpCustomerGuid"])
    same_problem(post(relecloud), post(999_999), (str(relecloud), ""), ("999999", ""))


def global_factors(client: TestClient, world: World) -> None:
    body = {"LicenseFactors": {"Managed Service Numbers": False}}
    customer = client.put(
        "/api/v3/licenseFactors", json=body, headers=world.headers(world.customer_a_writer)
    )
    assert customer.status_code == 403
    other = client.put(
        "/api/v3/licenseFactors",
        json=body | {"partnerId": world.b.partner_id},
        headers=world.headers(world.partner_a_writer),
    )
    assert other.status_code == 403
    before = client.get(
        f"/api/v3/customer/{RELECLOUD_VOICE}/licenseinfo", headers=world.headers(world.operator)
    ).json()
    own = client.put(
        "/api/v3/licenseFactors", json=body, headers=world.headers(world.partner_a_writer)
    )
    assert own.status_code == 200
    litware = client.get(
        f"/api/v3/customer/{LITWARE_VOICE}/licenseinfo", headers=world.headers(world.operator)
    ).json()
    assert litware[0]["LicenseFactors"]["Managed Service Numbers"] is False
    after = client.get(
        f"/api/v3/customer/{RELECLOUD_VOICE}/licenseinfo", headers=world.headers(world.operator)
    ).json()
    assert after == before


CUSTOMER_PATH = "/api/v3/customer/{guid}"
SCOPE_CASES: dict[tuple[str, str], Callable[[TestClient, World], None]] = {
    **VEEAM_SCOPE_CASES,
    ("POST", "/api/v3/services"): create_voice_service,
    ("POST", "/api/v3/services/{serviceId}/license"): apply_voice_license,
    ("PUT", "/api/v3/licenseFactors"): global_factors,
    ("PUT", "/api/v3/customer/{customerGuid}/acquiredLicenses"): voice_write(
        "PUT", CUSTOMER_PATH + "/acquiredLicenses", {"acquiredLicenses": 60}
    ),
    ("PUT", "/api/v3/customer/{customerGuid}/licenseFactors"): voice_write(
        "PUT",
        CUSTOMER_PATH + "/licenseFactors",
        {"LicenseFactors": {"Managed Service Numbers": False}},
    ),
    ("PUT", "/api/v3/customer/{customerGuid}/users/{userId}/lifeCycleTemplate"): voice_write(
        "PUT", CUSTOMER_PATH + "/users/{user}/lifeCycleTemplate", {"template": "Sales"}
    ),
    ("POST", "/api/v3/customer/{customerGuid}/users/{userId}/userInterfaceUpdate"): voice_write(
        "POST", CUSTOMER_PATH + "/users/{user}/userInterfaceUpdate"
    ),
    ("POST", "/api/v3/customer/{customerGuid}/numbers"): voice_write(
        "POST",
        CUSTOMER_PATH + "/numbers",
        {"telephoneNumber": "+14255550999", "numberType": "DirectRouting"},
    ),
    ("PUT", "/api/v3/customer/{customerGuid}/numbers/{telephoneNumber}/assignment"): voice_write(
        "PUT",
        CUSTOMER_PATH + "/numbers/{number}/assignment",
        {"status": "ConferenceAssigned", "targetId": "5b0ad2e4-3c1f-4e5a-9d7c-2f6e8a1b3c4d"},
    ),
    ("DELETE", "/api/v3/customer/{customerGuid}/numbers/{telephoneNumber}/assignment"): voice_write(
        "DELETE", CUSTOMER_PATH + "/numbers/{number}/assignment"
    ),
    ("GET", "/api/v3/customer/{customerGuid}/licenseinfo"): voice_license_info,
    ("GET", "/imports"): import_records,
    ("GET", "/imports/{import_id}"): import_record,
    ("POST", "/imports/{kind}"): import_upload,
    ("GET", USAGE): license_usage,
    ("GET", "/v1/customers"): customers_collection,
    ("GET", "/v1/customers/{customer_id}"): customer_by_id,
    ("GET", "/v1/customers/{customer_id}/subscribedskus"): under_customer(
        "/v1/customers/{customer_id}/subscribedskus"
    ),
    ("GET", "/v1/customers/{customer_id}/users/{user_id}/licenses"): under_customer(
        "/v1/customers/{customer_id}/users/{user_id}/licenses"
    ),
}


@pytest.mark.parametrize("case", list(SCOPE_CASES), ids=lambda case: " ".join(case))
def test_scope(scoped_client: TestClient, world: World, case: tuple[str, str]) -> None:
    SCOPE_CASES[case](scoped_client, world)
