"""Entra ID sign-in, end to end: tokens signed with a real RSA key whose key set (and discovery
document) a real HTTP server on 127.0.0.1 publishes, checked by the real app on both stores."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, select, update

from licensehub.auth.entra import EntraIdentity
from licensehub.auth.entra_links import WholeDirectoryMayNotWrite, link_identity, linked_principal
from licensehub.auth.keys import load_keys
from licensehub.auth.principals import create_principal
from licensehub.auth.tokens import issue_access_token
from licensehub.cli import main
from licensehub.ledger.tables import principals, tenants
from licensehub.settings import Settings
from tests.auth.world import Tenant, tenant_named
from tests.conftest import ClientFactory
from tests.held_permits import answer_once_queued

AUDIENCE = "api://licensehub"
KID = "entra-key-1"
MSP_DIRECTORY = uuid.UUID("72f988bf-86f1-41af-91ab-2d7cd011db47")  # allowed
STAFF = uuid.UUID("11111111-2222-4333-8444-555555555555")  # an MSP account linked alone
OTHER_STAFF = uuid.UUID("66666666-7777-4888-9999-000000000000")  # linked to nothing
FOREIGN_DIRECTORY = uuid.UUID("0badc0de-0000-4000-8000-000000000000")  # linked, not allowed


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = new_key()


@dataclass
class FakeEntra:
    """Serves what Entra serves: a discovery document per tenant and the key set."""

    base: str = ""
    requests: Counter[str] = field(default_factory=Counter)

    @property
    def issuer(self) -> str:
        return f"{self.base}/{{tenantid}}/v2.0"

    def issuer_of(self, directory: uuid.UUID) -> str:
        return f"{self.base}/{directory}/v2.0"

    def respond(self, path: str) -> dict[str, Any] | None:
        self.requests[path] = self.requests[path] + 1
        if path == "/common/v2.0/.well-known/openid-configuration":
            return {"issuer": self.issuer, "jwks_uri": f"{self.base}/common/discovery/v2.0/keys"}
        if path == "/common/discovery/v2.0/keys":
            public = jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key(), as_dict=True)
            return {"keys": [{**public, "kid": KID, "use": "sig", "kty": "RSA"}]}
        return None


@pytest.fixture(scope="module")
def entra() -> Iterator[FakeEntra]:
    fake = FakeEntra()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = fake.respond(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(body or {}).encode())

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def mint(
    entra: FakeEntra,
    *,
    directory: uuid.UUID = MSP_DIRECTORY,
    oid: uuid.UUID = STAFF,
    key: rsa.RSAPrivateKey = SIGNING_KEY,
    kid: str | None = KID,
    lifetime: timedelta = timedelta(hours=1),
    **claims: Any,
) -> str:
    now = datetime.now(UTC)
    payload = {
        "iss": entra.issuer_of(directory),
        "aud": AUDIENCE,
        "tid": str(directory),
        "oid": str(oid),
        "iat": now - timedelta(minutes=5),
        "nbf": now - timedelta(minutes=5),
        "exp": now + lifetime,
        "scp": "licenses.read",
        "ver": "2.0",
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid} if kid else None)


def hand_signed(header: dict[str, Any], claims: dict[str, Any], secret: bytes | None) -> str:
    """A token PyJWT would refuse to make: HS256 keyed with the public key, or unsigned."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{part(json.dumps(header).encode())}.{part(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest() if secret else b""
    return f"{signing_input}.{part(signature)}"


@dataclass(frozen=True)
class Links:
    partner_id: int
    partner_customers: set[str]
    customer: Tenant  # its whole directory is linked, read-only


@pytest.fixture
def links(demo_engine: Engine) -> Links:
    """STAFF is the first partner's; every account of Woodgrove Bank's own directory is
    Woodgrove Bank's read-only customer principal; the foreign directory is an operator's."""
    customer = tenant_named(demo_engine, "Woodgrove Bank")
    with demo_engine.begin() as connection:
        partner_id = connection.execute(
            select(tenants.c.partner_id).where(tenants.c.id == customer.id)
        ).scalar_one()
        names = connection.execute(select(tenants.c.name).where(tenants.c.partner_id == partner_id))
        partner = create_principal(connection, "msp staff", partner_id=partner_id)
        link_identity(connection, partner, MSP_DIRECTORY, STAFF)
        readers = create_principal(connection, "woodgrove", tenant_id=customer.id)
        link_identity(connection, readers, customer.tenant_id, None)
        operator = create_principal(connection, "foreign")
        link_identity(connection, operator, FOREIGN_DIRECTORY, None)
        return Links(partner_id, set(names.scalars()), customer)


@pytest.fixture
def api(
    entra: FakeEntra, links: Links, demo_url: str, make_client: ClientFactory
) -> Iterator[TestClient]:
    tenants_allowed = f"{MSP_DIRECTORY},{str(links.customer.tenant_id).upper()}"
    with make_client(
        demo_url, oidc_issuer=entra.issuer, oidc_audience=AUDIENCE, oidc_tenants=tenants_allowed
    ) as client:
        yield client


def customers(client: TestClient, token: str) -> Any:
    return client.get("/v1/customers", headers={"Authorization": f"Bearer {token}"})


def visible(client: TestClient, token: str) -> set[str]:
    response = customers(client, token)
    assert response.status_code == 200, response.text
    return {item["companyProfile"]["companyName"] for item in response.json()["items"]}


def assert_refused(client: TestClient, token: str) -> None:
    """Exactly the answer a token of garbage gets: no hint of what was wrong."""
    refused, garbage = customers(client, token), customers(client, "garbage")
    assert refused.status_code == garbage.status_code == 401
    assert refused.headers["www-authenticate"] == garbage.headers["www-authenticate"]
    assert refused.json() == garbage.json()


def test_a_linked_account_gets_its_principals_scope(
    api: TestClient, entra: FakeEntra, links: Links
) -> None:
    assert visible(api, mint(entra)) == links.partner_customers
    # Every account of the customer's directory: that customer's tenant, nothing else.
    for oid in (uuid.uuid4(), uuid.uuid4()):
        token = mint(entra, directory=links.customer.tenant_id, oid=oid)
        assert visible(api, token) == {"Woodgrove Bank"}


def test_the_key_set_is_discovered_once_and_cached(api: TestClient, entra: FakeEntra) -> None:
    before = entra.requests.copy()
    for _ in range(3):
        assert customers(api, mint(entra)).status_code == 200
    fetched = entra.requests - before
    assert fetched == Counter(
        {"/common/v2.0/.well-known/openid-configuration": 1, "/common/discovery/v2.0/keys": 1}
    )


def test_bad_tokens_are_refused_alike(api: TestClient, entra: FakeEntra, links: Links) -> None:
    public_pem = SIGNING_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "iss": entra.issuer_of(MSP_DIRECTORY),
        "aud": AUDIENCE,
        "tid": str(MSP_DIRECTORY),
        "oid": str(STAFF),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "scp": "licenses.read",
    }
    refused = {
        "wrong audience": mint(entra, aud="api://someone-else"),
        "wrong issuer": mint(entra, iss=entra.issuer_of(FOREIGN_DIRECTORY)),
        "issuer of v1": mint(entra, iss=f"https://sts.windows.net/{MSP_DIRECTORY}/"),
        "tenant not allowed": mint(entra, directory=FOREIGN_DIRECTORY),
        "expired": mint(entra, lifetime=timedelta(minutes=-5)),
        "not yet valid": mint(entra, nbf=datetime.now(UTC) + timedelta(minutes=10)),
        "no expiry": mint(entra, exp=None),
        "unknown key id": mint(entra, kid="entra-key-2"),
        "no key id": mint(entra, kid=None),
        "bad signature": mint(entra, key=new_key()),
        "HS256 keyed with the public key": hand_signed(
            {"alg": "HS256", "typ": "JWT", "kid": KID}, claims, public_pem
        ),
        "unsigned": hand_signed({"alg": "none", "typ": "JWT", "kid": KID}, claims, None),
        "an ID token, not an access token": mint(entra, scp=None),
        "unlinked account": mint(entra, oid=OTHER_STAFF),
        "tid that is not a GUID": mint(entra, tid="contoso"),
    }
    for reason, token in refused.items():
        try:
            assert_refused(api, token)
        except AssertionError as exc:
            raise AssertionError(reason) from exc
    assert visible(api, mint(entra)) == links.partner_customers  # the control


def test_a_disabled_account_does_not_fall_back_to_its_directory(
    api: TestClient, entra: FakeEntra, links: Links, demo_engine: Engine
) -> None:
    directory = links.customer.tenant_id
    with demo_engine.begin() as connection:
        someone = create_principal(connection, "leaver", tenant_id=links.customer.id)
        link_identity(connection, someone, directory, STAFF)
        connection.execute(
            update(principals)
            .where(principals.c.id == someone.id)
            .values(disabled_at=datetime.now(UTC))
        )
    assert_refused(api, mint(entra, directory=directory, oid=STAFF))
    assert visible(api, mint(entra, directory=directory, oid=OTHER_STAFF)) == {"Woodgrove Bank"}


def test_a_whole_directory_only_reads(links: Links, demo_engine: Engine) -> None:
    with demo_engine.begin() as connection:
        writer = create_principal(connection, "writer", can_write=True)
        with pytest.raises(WholeDirectoryMayNotWrite):
            link_identity(connection, writer, uuid.uuid4(), None)
        linked = linked_principal(connection, EntraIdentity(links.customer.tenant_id, uuid.uuid4()))
        assert linked is not None
        assert not linked.can_write


def test_own_tokens_keep_working_beside_entra(
    api: TestClient, entra: FakeEntra, demo_engine: Engine
) -> None:
    with demo_engine.begin() as connection:
        keys = load_keys(connection, None)
        operator = create_principal(connection, "ops")
    token = issue_access_token(keys, operator, timedelta(minutes=5))[0]
    assert len(visible(api, token)) == 29


def test_entra_tokens_are_refused_while_it_is_off(
    entra: FakeEntra, links: Links, demo_url: str, make_client: ClientFactory
) -> None:
    before = sum(entra.requests.values())
    with make_client(demo_url) as client:
        assert_refused(client, mint(entra))
    assert sum(entra.requests.values()) == before  # not even a look at Entra's keys


def test_a_configured_key_set_url_needs_no_discovery(
    entra: FakeEntra, links: Links, demo_url: str, make_client: ClientFactory
) -> None:
    before = entra.requests.copy()
    with make_client(
        demo_url,
        oidc_issuer=entra.issuer,
        oidc_audience=AUDIENCE,
        oidc_tenants=str(MSP_DIRECTORY),
        oidc_jwks_url=f"{entra.base}/common/discovery/v2.0/keys",
    ) as client:
        assert visible(client, mint(entra)) == links.partner_customers
    assert "/common/v2.0/.well-known/openid-configuration" not in entra.requests - before


def test_an_unreachable_issuer_refuses_tokens_without_logging_them(
    entra: FakeEntra,
    links: Links,
    demo_url: str,
    make_client: ClientFactory,
    capfd: pytest.CaptureFixture[str],
) -> None:
    token = mint(entra)
    for unusable in (
        {"oidc_jwks_url": f"{entra.base}/no-such-keys"},
        {"oidc_jwks_url": "http://127.0.0.1:9/keys"},  # discard port: nothing listens
        {},  # discovery of an issuer whose document is missing
    ):
        issuer = entra.issuer if unusable else f"{entra.base}/{{tenantid}}/missing"
        with make_client(
            demo_url,
            oidc_issuer=issuer,
            oidc_audience=AUDIENCE,
            oidc_tenants=str(MSP_DIRECTORY),
            **unusable,
        ) as client:
            assert_refused(client, token)
    assert token not in capfd.readouterr().err


def test_half_a_configuration_is_refused_at_start() -> None:
    issuer = "https://login.microsoftonline.com/{tenantid}/v2.0"
    with pytest.raises(ValidationError, match="LICENSEHUB_OIDC_AUDIENCE"):
        Settings(oidc_issuer=issuer, oidc_tenants=str(MSP_DIRECTORY))
    with pytest.raises(ValidationError, match="LICENSEHUB_OIDC_TENANTS"):
        Settings(oidc_issuer=issuer, oidc_audience=AUDIENCE)
    with pytest.raises(ValidationError):
        Settings(oidc_issuer=issuer, oidc_audience=AUDIENCE, oidc_tenants="not-a-guid")


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"LICENSEHUB_DATABASE_URL": url})


def test_the_link_command(
    entra: FakeEntra, links: Links, demo_url: str, make_client: ClientFactory
) -> None:
    account = uuid.uuid4()
    created = run(
        demo_url,
        *("user", "entra", "billing desk", "--directory", str(MSP_DIRECTORY).upper()),
        *("--object", str(account), "--partner", str(links.partner_id)),
    )
    assert created.exit_code == 0, created.output
    assert "billing desk" in created.output
    with make_client(
        demo_url, oidc_issuer=entra.issuer, oidc_audience=AUDIENCE, oidc_tenants=str(MSP_DIRECTORY)
    ) as client:
        assert visible(client, mint(entra, oid=account)) == links.partner_customers

    again = run(
        demo_url,
        "user",
        "entra",
        "twice",
        "--directory",
        str(MSP_DIRECTORY),
        "--object",
        str(account),
    )
    assert again.exit_code == 1
    assert "entra_identities: refused" in again.output
    assert "Traceback" not in again.output

    writing_directory = run(
        demo_url, "user", "entra", "all", "--directory", str(uuid.uuid4()), "--write"
    )
    assert writing_directory.exit_code == 2
    assert "may only read" in writing_directory.output
    assert run(demo_url, "user", "entra", "x", "--directory", "nope").exit_code == 2


def test_the_link_is_read_in_a_turn_at_the_pool(api: TestClient, entra: FakeEntra) -> None:
    """An Entra caller is checked before its request takes a turn at the pool, and reading
    its link needs a connection: it waits for a turn of its own, so that the pool never
    lends more connections than it has, and is answered once one is free."""
    token = mint(entra)
    listed = customers(api, token)  # the key set is fetched now
    assert listed.status_code == 200, listed.text
    # A point lookup: its lane is no turn at the pool, so only the link's read waits here.
    path = f"/v1/customers/{listed.json()['items'][0]['id']}"
    headers = {"Authorization": f"Bearer {token}"}
    answer = answer_once_queued(api, "database_slots", path, headers)
    assert answer.status_code == 200, answer.text
