"""Getting a token, and which tokens are refused, on both stores."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from click.testing import CliRunner
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from structlog.testing import capture_logs

from licensehub.app import create_app
from licensehub.auth.keys import load_keys
from licensehub.auth.principals import add_api_client, add_password_user, create_principal
from licensehub.auth.scope import WritePrincipal
from licensehub.auth.tokens import issue_access_token
from licensehub.cli import main
from licensehub.ledger.tables import api_clients, password_credentials, principals
from licensehub.settings import Settings

SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared/specs/veeam/vb365_rest_v6.json"
# OAuthTokenResponse's required fields in Veeam's v6 document, for a clone without ../shared.
TOKEN_RESPONSE_REQUIRED = [
    ".expires", ".issued", "access_token", "expires_in", "refresh_token", "token_type", "userName"
]  # fmt: skip


def token_response_schema() -> dict[str, Any]:
    if SHARED_SPEC.exists():
        schemas = json.loads(SHARED_SPEC.read_text())["components"]["schemas"]
        return dict(schemas["OAuthTokenResponse"])
    return {"required": TOKEN_RESPONSE_REQUIRED, "properties": {}}


@pytest.fixture
def accounts(engine: Engine) -> dict[str, str]:
    """An operator password user, a read-only customer-less client, and their secrets."""
    with engine.begin() as connection:
        keys = load_keys(connection, None)
        admin = create_principal(connection, "Admin@Contoso.com", can_write=True)
        add_password_user(connection, admin, "Admin@Contoso.com", "correct horse")
        robot = create_principal(connection, "billing-robot")
        client_id, secret = add_api_client(connection, robot, keys.client_secret_key)
    return {"client_id": client_id, "client_secret": secret}


def write_probe() -> APIRouter:
    router = APIRouter()

    @router.post("/v1/probe-write")
    def probe(principal: WritePrincipal) -> dict[str, str]:
        return {"written by": principal.name}

    return router


@pytest.fixture
def app(ledger_url: str, tmp_path: Path) -> FastAPI:
    made = create_app(Settings(database_url=ledger_url, data_dir=tmp_path))
    made.include_router(write_probe())
    return made


@pytest.fixture
def api(app: FastAPI, accounts: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def sign_in(api: TestClient, **form: str) -> Any:
    return api.post("/v6/token", data={"grant_type": "password", **form})


def test_veeam_password_grant_as_a_form(api: TestClient) -> None:
    response = sign_in(api, username="admin@contoso.com", password="correct horse")
    assert response.status_code == 200
    body = response.json()
    schema = token_response_schema()
    assert set(schema["required"]) <= set(body)
    for name, prop in schema["properties"].items():
        expected = {"string": str, "integer": int}[prop["type"]]
        assert isinstance(body[name], expected), name
    assert body["token_type"] == "bearer"
    assert body["userName"] == "Admin@Contoso.com"
    assert body["expires_in"] == 3600
    issued = datetime.fromisoformat(body[".issued"])
    assert datetime.fromisoformat(body[".expires"]) - issued == timedelta(hours=1)
    assert response.headers["Cache-Control"] == "no-store"
    customers = api.get(
        "/v1/customers", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert customers.status_code == 200


def test_veeam_password_grant_as_json_on_the_specs_spelling(api: TestClient) -> None:
    response = api.post(
        "/v6/Token",
        json={
            "grant_type": "password",
            "username": "ADMIN@contoso.com",
            "password": "correct horse",
        },
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [("admin@contoso.com", "wrong"), ("nobody@contoso.com", "correct horse")],
    ids=["wrong-password", "unknown-user"],
)
def test_bad_credentials_are_refused_alike(api: TestClient, username: str, password: str) -> None:
    response = sign_in(api, username=username, password=password)
    assert response.status_code == 401
    assert response.json() == {"message": "The user name or password is incorrect."}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"grant_type": "password", "username": "admin@contoso.com"}, 400),
        ({"grant_type": "operator"}, 400),
        ({"grant_type": "magic"}, 400),
        ({"grant_type": "refresh_token"}, 400),
    ],
)
def test_malformed_token_requests_are_400_in_veeams_body(
    api: TestClient, body: dict[str, str], status: int
) -> None:
    response = api.post("/v6/token", data=body)
    assert response.status_code == status
    assert list(response.json()) == ["message"]


def test_token_request_in_another_media_type_is_415(api: TestClient) -> None:
    response = api.post(
        "/v6/token", content=b"grant_type=password", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    broken = api.post("/v6/token", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400


def test_a_refresh_token_works_once(api: TestClient) -> None:
    first = sign_in(api, username="admin@contoso.com", password="correct horse").json()
    refreshed = api.post(
        "/v6/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != first["refresh_token"]
    again = api.post(
        "/v6/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert again.status_code == 401


def test_a_disabled_principal_cannot_sign_in_or_refresh(api: TestClient, engine: Engine) -> None:
    first = sign_in(api, username="admin@contoso.com", password="correct horse").json()
    with engine.begin() as connection:
        connection.execute(update(principals).values(disabled_at=datetime.now(UTC)))
    assert sign_in(api, username="admin@contoso.com", password="correct horse").status_code == 401
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert api.post("/v6/token", data=refresh).status_code == 401


def test_client_credentials_in_the_form(api: TestClient, accounts: dict[str, str]) -> None:
    response = api.post("/oauth2/token", data={"grant_type": "client_credentials", **accounts})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["scope"] == "read"
    assert response.headers["Cache-Control"] == "no-store"


def test_client_credentials_as_http_basic(api: TestClient, accounts: dict[str, str]) -> None:
    response = api.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(accounts["client_id"], accounts["client_secret"]),
    )
    assert response.status_code == 200


def test_a_wrong_client_secret_is_invalid_client(api: TestClient, accounts: dict[str, str]) -> None:
    response = api.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": accounts["client_id"],
            "client_secret": "guess",
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_other_grants_are_unsupported_on_oauth2(api: TestClient) -> None:
    response = api.post("/oauth2/token", data={"grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert api.post("/oauth2/token", data={}).json()["error"] == "invalid_request"


def test_secrets_are_stored_hashed_and_never_logged(
    api: TestClient, engine: Engine, accounts: dict[str, str]
) -> None:
    with capture_logs() as logs:
        sign_in(api, username="admin@contoso.com", password="correct horse")
        api.post("/oauth2/token", data={"grant_type": "client_credentials", **accounts})
    logged = repr(logs)
    assert "correct horse" not in logged
    assert accounts["client_secret"] not in logged
    with engine.connect() as connection:
        password_hash = connection.execute(select(password_credentials.c.password_hash)).scalar()
        secret_hash = connection.execute(select(api_clients.c.secret_hash)).scalar()
    assert password_hash is not None
    assert password_hash.startswith("$argon2id$")
    assert "correct horse" not in password_hash
    assert secret_hash != accounts["client_secret"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def operator_token(
    engine: Engine, lifetime: timedelta, now: datetime | None = None, can_write: bool = False
) -> str:
    with engine.begin() as connection:
        keys = load_keys(connection, None)
        principal = create_principal(connection, "op", can_write=can_write)
        return issue_access_token(keys, principal, lifetime, now)[0]


def test_an_expired_token_is_401(api: TestClient, engine: Engine) -> None:
    token = operator_token(engine, timedelta(minutes=5), now=datetime.now(UTC) - timedelta(hours=1))
    assert api.get("/v1/customers", headers=bearer(token)).status_code == 401


def tamper(token: str, **claims: Any) -> str:
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(decoded | claims).encode()).rstrip(b"=")
    return f"{header}.{forged.decode()}.{signature}"


def test_a_tampered_token_is_401(api: TestClient, engine: Engine) -> None:
    token = operator_token(engine, timedelta(hours=1))
    assert api.get("/v1/customers", headers=bearer(token)).status_code == 200
    forged = tamper(token, scope="read write")
    assert api.get("/v1/customers", headers=bearer(forged)).status_code == 401


def test_a_token_signed_with_another_key_is_401(api: TestClient) -> None:
    claims = {
        "iss": "licensehub",
        "aud": "licensehub-api",
        "sub": "1",
        "kind": "operator",
        "scope": "read",
        "iat": datetime.now(UTC),
        "exp": datetime.now(UTC) + timedelta(hours=1),
    }
    forged = jwt.encode(claims, "not the ledger's key, though long enough", algorithm="HS256")
    assert api.get("/v1/customers", headers=bearer(forged)).status_code == 401


def test_a_read_only_token_on_a_write_is_403(api: TestClient, engine: Engine) -> None:
    reader = operator_token(engine, timedelta(hours=1))
    writer = operator_token(engine, timedelta(hours=1), can_write=True)
    refused = api.post("/v1/probe-write", headers=bearer(reader))
    assert refused.status_code == 403
    assert set(refused.json()) == {"code", "description", "data", "source"}
    assert api.post("/v1/probe-write", headers=bearer(writer)).status_code == 200
    assert api.post("/v1/probe-write").status_code == 401


def test_tokens_minted_by_the_cli_validate_in_serve(ledger_url: str, make_client: Any) -> None:
    result = CliRunner().invoke(
        main, ["token", "create"], env={"LICENSEHUB_DATABASE_URL": ledger_url}
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    with make_client(ledger_url) as client:
        assert client.get("/v1/customers", headers=bearer(token)).status_code == 200


def test_a_configured_secret_key_signs_tokens(ledger_url: str, tmp_path: Path) -> None:
    def app_with(key: str) -> FastAPI:
        return create_app(Settings(database_url=ledger_url, data_dir=tmp_path, secret_key=key))

    env = {"LICENSEHUB_DATABASE_URL": ledger_url, "LICENSEHUB_SECRET_KEY": "k" * 40}
    token = CliRunner().invoke(main, ["token", "create"], env=env).stdout.strip().splitlines()[-1]
    with TestClient(app_with("k" * 40)) as same, TestClient(app_with("x" * 40)) as other:
        assert same.get("/v1/customers", headers=bearer(token)).status_code == 200
        assert other.get("/v1/customers", headers=bearer(token)).status_code == 401
