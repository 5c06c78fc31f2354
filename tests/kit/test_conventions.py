"""The conventions every endpoint inherits: each vendor's error body, 400 for a bad parameter,
case-insensitive vendor paths, correlation ids, request logs and forwarded headers.

The vendor endpoints arrive in later issues; here a probe route under each vendor's prefix
stands in for them, added to the real app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from structlog.testing import capture_logs

from licensehub.app import create_app
from licensehub.kit.dependencies import LedgerTurn
from licensehub.ledger.database import make_engine
from licensehub.ledger.tables import partners, tenants
from licensehub.settings import Settings
from tests.auth.world import writer_operator_token

PROBES = {
    "partner_center": "/v1/customers/{customerId}/probe",
    "analytics": "/partner/v1/analytics/probe/{customerId}",
    "live_platform": "/api/v3/customer/{customerId}/probe",
    "veeam": "/v6/Organizations/{customerId}/Probe",
    "licensehub": "/probe/{customerId}",
}


def probe_router() -> APIRouter:
    router = APIRouter()
    for name, path in PROBES.items():

        def probe(request: Request, customerId: uuid.UUID, limit: int = 10) -> dict[str, Any]:
            return {
                "customerId": str(customerId),
                "limit": limit,
                "self": str(request.url),
            }

        router.add_api_route(path, probe, methods=["GET"], name=name)

    @router.post("/v1/customers/{customerId}/probe")
    def add_twice(customerId: uuid.UUID, turn: LedgerTurn) -> None:
        with turn.writing() as ledger:
            partner = ledger.execute(insert(partners).values(name="P").returning(partners.c.id))
            row = {"tenant_id": customerId, "partner_id": partner.scalar_one(), "name": "T"}
            ledger.execute(insert(tenants), [row, row])

    return router


def app_with_probes(url: str, tmp_path: Path, **settings: Any) -> FastAPI:
    app = create_app(Settings(database_url=url, data_dir=tmp_path, **settings))
    app.include_router(probe_router())
    return app


@pytest.fixture
def probe_client(ledger_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(app_with_probes(ledger_url, tmp_path)) as client:
        yield client


GUID = "92460656-7a85-4a04-b1af-1ea903c0bc2e"


def path_of(name: str, customer: str = GUID) -> str:
    return PROBES[name].replace("{customerId}", customer)


def test_probe_answers(probe_client: TestClient) -> None:
    for name in PROBES:
        response = probe_client.get(path_of(name), params={"limit": 3})
        assert response.status_code == 200, name
        assert response.json()["limit"] == 3


@pytest.mark.parametrize("name", ["partner_center", "analytics"])
def test_partner_center_bad_parameter_is_a_400_in_its_error_body(
    probe_client: TestClient, name: str
) -> None:
    response = probe_client.get(path_of(name), params={"limit": "many"})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "description", "data", "source"}
    assert "limit" in body["description"]


def test_live_platform_bad_parameter_is_a_400_problem(probe_client: TestClient) -> None:
    response = probe_client.get(path_of("live_platform", "not-a-guid"))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["title"] == "Bad Request"
    assert "customerId" in body["detail"]
    assert body["type"]


def test_veeam_bad_parameter_is_a_400_rest_exception_info(probe_client: TestClient) -> None:
    response = probe_client.get(path_of("veeam", "not-a-guid"))
    assert response.status_code == 400
    assert list(response.json()) == ["message"]
    assert "customerId" in response.json()["message"]


def test_licensehub_paths_answer_problem_details(probe_client: TestClient) -> None:
    response = probe_client.get(path_of("licensehub"), params={"limit": "x"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["name"] == "limit"


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("/v1/nothing-here", {"code", "description", "data", "source"}),
        ("/v6/Nothing", {"message"}),
        ("/api/v3/nothing", {"type", "title", "status", "detail", "traceId"}),
        ("/nothing", {"type", "title", "status", "detail"}),
    ],
)
def test_unknown_paths_are_404_in_the_vendors_error_body(
    probe_client: TestClient, path: str, keys: set[str]
) -> None:
    response = probe_client.get(path)
    assert response.status_code == 404
    assert set(response.json()) == keys


def test_wrong_method_is_405_in_the_vendors_error_body(probe_client: TestClient) -> None:
    response = probe_client.delete(path_of("veeam"))
    assert response.status_code == 405
    assert list(response.json()) == ["message"]


@pytest.mark.parametrize(
    "spelling",
    [
        "/v6/organizations/{id}/probe",
        "/V6/ORGANIZATIONS/{id}/PROBE",
        "/v6/Organizations/{id}/Probe",
    ],
)
def test_vendor_paths_match_case_insensitively(probe_client: TestClient, spelling: str) -> None:
    response = probe_client.get(spelling.replace("{id}", GUID.upper()))
    assert response.status_code == 200
    # The path parameter keeps the client's value; only the literal segments are matched.
    assert response.json()["customerId"] == GUID


def test_health_matches_case_insensitively(probe_client: TestClient) -> None:
    assert probe_client.get("/HEALTH").status_code == 200


def test_correlation_id_is_echoed(probe_client: TestClient) -> None:
    sent = "aaaa0000-bb11-2222-33cc-444444dddddd"
    response = probe_client.get("/health", headers={"MS-CorrelationId": sent})
    assert response.headers["X-Correlation-ID"] == sent


def test_correlation_id_is_generated_when_absent(probe_client: TestClient) -> None:
    first = probe_client.get("/health").headers["X-Correlation-ID"]
    second = probe_client.get("/health").headers["X-Correlation-ID"]
    assert uuid.UUID(first) != uuid.UUID(second)


def test_unprintable_correlation_id_is_replaced(probe_client: TestClient) -> None:
    response = probe_client.get("/health", headers={"X-Correlation-ID": "x" * 500})
    assert uuid.UUID(response.headers["X-Correlation-ID"])


def test_each_request_is_logged_once_with_its_correlation_id(probe_client: TestClient) -> None:
    with capture_logs() as logs:
        probe_client.get(path_of("veeam"), headers={"X-Request-ID": "req-42"})
    requests = [entry for entry in logs if entry["event"] == "request"]
    assert len(requests) == 1
    entry = requests[0]
    assert entry["correlation_id"] == "req-42"
    assert entry["method"] == "GET"
    assert entry["status"] == 200
    assert entry["path"] == path_of("veeam")
    assert entry["duration_ms"] >= 0


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "licenses.example.net:4443"}


def test_forwarded_headers_from_a_trusted_proxy_shape_absolute_links(
    ledger_url: str, tmp_path: Path
) -> None:
    app = app_with_probes(ledger_url, tmp_path, forwarded_allow_ips=["10.0.0.0/8"])
    with TestClient(app, client=("10.1.2.3", 5000)) as client:
        body = client.get(path_of("veeam"), headers=FORWARDED).json()
        rfc7239 = client.get(
            path_of("veeam"), headers={"Forwarded": 'for=192.0.2.60;proto=https;host="lh.example"'}
        ).json()
    assert body["self"] == f"https://licenses.example.net:4443{path_of('veeam')}"
    assert rfc7239["self"] == f"https://lh.example{path_of('veeam')}"


def test_forwarded_headers_from_anyone_else_are_ignored(ledger_url: str, tmp_path: Path) -> None:
    app = app_with_probes(ledger_url, tmp_path, forwarded_allow_ips=["10.0.0.0/8"])
    with TestClient(app, client=("192.0.2.9", 5000)) as client:
        body = client.get(path_of("veeam"), headers=FORWARDED).json()
    assert body["self"].startswith("http://testserver/")


def test_a_write_the_ledger_refuses_is_a_409_and_leaves_nothing_behind(
    probe_client: TestClient, ledger_url: str
) -> None:
    engine = make_engine(ledger_url)
    token = writer_operator_token(engine)
    headers = {"Authorization": f"Bearer {token}"}
    response = probe_client.post(path_of("partner_center"), headers=headers)
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"code", "description", "data", "source"}
    assert "a tenant with this tenant id already exists" in body["description"]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(partners)).scalar() == 0
    engine.dispose()
