"""Who may see what, route by route, on both stores: a customer sees only its tenant, a
partner only its customers, and what one may not see answers exactly like what does not
exist. Every scoped route needs a case here (test_routes.py checks)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.auth.world import World, build_world
from tests.conftest import ClientFactory


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


SCOPE_CASES: dict[tuple[str, str], Callable[[TestClient, World], None]] = {
    ("GET", "/v1/customers"): customers_collection,
    ("GET", "/v1/customers/{customer_id}"): customer_by_id,
}


@pytest.mark.parametrize("case", list(SCOPE_CASES), ids=lambda case: " ".join(case))
def test_scope(scoped_client: TestClient, world: World, case: tuple[str, str]) -> None:
    SCOPE_CASES[case](scoped_client, world)
