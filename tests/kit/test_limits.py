"""Every limit on what a client sends answers a clear 4xx in the vendor's own error body, and
nothing of a refused request reaches the ledger."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from licensehub.kit.limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES
from licensehub.ledger.tables import imports, license_usage
from licensehub.partner_center.analytics import MAX_TOP
from licensehub.veeam.organizations import MAX_LIMIT
from tests.auth.world import World, build_world
from tests.conftest import ClientFactory
from tests.importers.test_usage import usage_rows

USAGE = "/partner/v1/analytics/commercial/usage/license"
BODY_LIMIT = 2048
UPLOAD_LIMIT = 8192


@pytest.fixture
def world(demo_engine: Engine) -> World:
    return build_world(demo_engine)


@pytest.fixture
def api(make_client: ClientFactory, demo_url: str, world: World) -> Iterator[TestClient]:
    with make_client(demo_url, max_body_bytes=BODY_LIMIT, max_upload_bytes=UPLOAD_LIMIT) as client:
        client.headers["Authorization"] = f"Bearer {world.operator}"
        yield client


def chunks(size: int) -> Iterator[bytes]:
    """A body sent without Content-Length, in 1 KiB chunks."""
    for _ in range(size // 1024):
        yield b"x" * 1024


def test_a_request_body_over_the_limit(api: TestClient) -> None:
    response = api.post("/v6/token", content=b"x" * (BODY_LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == {
        "message": f"The request body exceeds the limit of {BODY_LIMIT} bytes."
    }


def test_a_chunked_body_is_counted_as_it_arrives(api: TestClient, world: World) -> None:
    response = api.put(
        "/api/v3/licenseFactors",
        content=chunks(4 * BODY_LIMIT),
        headers={**world.headers(world.operator), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"  # Live Platform
    assert response.json()["status"] == 413


def usage_body(tenants: int) -> bytes:
    return json.dumps({"Value": usage_rows([str(uuid.uuid4()) for _ in range(tenants)])}).encode()


def ledger_counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return (
            connection.execute(select(func.count()).select_from(license_usage)).scalar_one(),
            connection.execute(select(func.count()).select_from(imports)).scalar_one(),
        )


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
def test_an_upload_over_its_limit_lands_nothing(
    api: TestClient, world: World, demo_engine: Engine, announced: bool
) -> None:
    body = usage_body(tenants=20)
    assert len(body) > UPLOAD_LIMIT
    before = ledger_counts(demo_engine)
    content = body if announced else iter([body[i : i + 1024] for i in range(0, len(body), 1024)])
    response = api.post(
        f"/imports/usage?partner={world.a.partner_id}",
        content=content,
        headers=world.headers(world.partner_a_writer),
    )
    assert response.status_code == 413
    assert response.json()["type"] == "urn:licensehub:error:payload_too_large"
    assert ledger_counts(demo_engine) == before


def test_uploads_have_a_limit_of_their_own(api: TestClient, world: World) -> None:
    body = usage_body(tenants=1)
    assert BODY_LIMIT < len(body) <= UPLOAD_LIMIT
    response = api.post(
        f"/imports/usage?partner={world.a.partner_id}",
        content=body,
        headers=world.headers(world.partner_a_writer),
    )
    assert response.status_code == 201, response.text


def test_headers_over_the_limit(api: TestClient) -> None:
    response = api.get(USAGE, headers={"X-Padding": "x" * MAX_HEADER_BYTES})
    assert response.status_code == 431
    assert response.json()["code"] == 431  # Partner Center's body
    assert "headers exceed" in response.json()["description"]


def test_a_request_target_over_the_limit(api: TestClient) -> None:
    response = api.get(USAGE, params={"filter": "x" * MAX_TARGET_BYTES})
    assert response.status_code == 414
    assert response.json()["code"] == 414


def test_filter_length_and_depth(api: TestClient) -> None:
    long = api.get(USAGE, params={"filter": "channel eq '" + "x" * 2000 + "'"})
    assert long.status_code == 400
    assert "longer than 2000 characters" in long.json()["description"]
    deep = api.get(USAGE, params={"filter": "(" * 40 + "channel eq 'x'" + ")" * 40})
    assert deep.status_code == 400
    assert "nest" in deep.json()["description"]


@pytest.mark.parametrize(
    ("path", "params", "style"),
    [
        (USAGE, {"top": str(MAX_TOP + 1)}, "code"),
        ("/v1/customers", {"size": "501"}, "code"),
        ("/v6/LicensedUsers", {"limit": str(MAX_LIMIT + 1)}, "message"),
        ("/imports", {"limit": "1001"}, "type"),
        ("/audit", {"limit": "1001"}, "type"),
    ],
)
def test_page_sizes(api: TestClient, path: str, params: dict[str, str], style: str) -> None:
    response = api.get(path, params=params)
    assert response.status_code == 400
    assert style in response.json()


def test_security_headers(api: TestClient) -> None:
    response = api.get("/v1/customers")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert (
        response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP
    assert "Content-Security-Policy" not in api.get("/docs").headers  # Swagger UI is a page
    secure = api.get("https://testserver/health")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_cors_is_off_unless_origins_are_configured(api: TestClient) -> None:
    response = api.get("/v1/customers", headers={"Origin": "https://portal.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_for_configured_origins(
    make_client: ClientFactory, demo_url: str, world: World
) -> None:
    with make_client(demo_url, cors_origins="https://portal.example") as client:
        preflight = client.options(
            "/v1/customers",
            headers={
                "Origin": "https://portal.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "Authorization, MS-CorrelationId",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://portal.example"
        assert "access-control-allow-credentials" not in preflight.headers
        answer = client.get(
            "/v1/customers",
            headers={"Origin": "https://portal.example", **world.headers(world.operator)},
        )
        assert answer.headers["access-control-allow-origin"] == "https://portal.example"
        assert "X-Correlation-ID" in answer.headers["access-control-expose-headers"]
        stranger = client.options(
            "/v1/customers",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert stranger.status_code == 400
        assert "access-control-allow-origin" not in stranger.headers
