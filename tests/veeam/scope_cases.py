"""Scope cases for the Veeam organization routes, to merge into tests/auth/test_scope.py's
SCOPE_CASES: a customer sees only its tenant's organization, a partner only its customers',
and an organization the caller may not see answers exactly like one that does not exist.

In the demo, customer A (Woodgrove Bank) has one organization; Humongous Insurance's belongs
to another customer of partner A; Lamna Healthcare's to a customer of partner B."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from licensehub.kit.clock import now
from licensehub.ledger.tables import backup_organizations, tenants
from tests.auth.world import World
from tests.veeam.serving import DEMO_NOON, HUMONGOUS, LAMNA, WOODGROVE

Case = Callable[[TestClient, World], None]


@contextmanager
def demo_clock(client: TestClient) -> Iterator[None]:
    """The demo's own "now", so that its recent backups are recent whatever today is."""
    overrides = client.app.dependency_overrides  # type: ignore[attr-defined]
    saved = overrides.get(now)
    overrides[now] = lambda: DEMO_NOON
    try:
        yield
    finally:
        if saved is None:
            overrides.pop(now, None)
        else:
            overrides[now] = saved


def same_as_missing(
    hidden: httpx.Response, missing: httpx.Response, hidden_id: uuid.UUID, missing_id: uuid.UUID
) -> None:
    """Same status, same media type, same body but for the id that was asked for."""
    assert hidden.status_code == missing.status_code == 404, (hidden.text, missing.text)
    assert hidden.headers["content-type"] == missing.headers["content-type"]
    assert hidden.text.replace(str(hidden_id), "<asked>") == missing.text.replace(
        str(missing_id), "<asked>"
    )


def visible_to(client: TestClient, world: World) -> dict[str, set[uuid.UUID]]:
    """The organizations each principal may see, from the ledger itself."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(
            select(backup_organizations.c.organization_id, tenants.c.tenant_id).join(
                tenants, tenants.c.id == backup_organizations.c.tenant_id
            )
        ).all()
    partner_a = world.partner_tenants[world.a.partner_id]
    return {
        world.customer_a: {org for org, tenant in rows if tenant == world.a.tenant_id},
        world.partner_a: {org for org, tenant in rows if tenant in partner_a},
        world.operator: {org for org, _ in rows},
    }


def by_id(template: str) -> Case:
    """GET template (with {guid}): 200 for a visible organization; an invisible one answers
    exactly like a GUID that exists nowhere."""

    def case(client: TestClient, world: World) -> None:
        def get(guid: uuid.UUID, token: str) -> httpx.Response:
            return client.get(template.format(guid=guid), headers=world.headers(token))

        assert visible_to(client, world)[world.customer_a] == {WOODGROVE}
        with demo_clock(client):
            for token, visible, hidden in (
                (world.customer_a, WOODGROVE, HUMONGOUS),
                (world.partner_a, HUMONGOUS, LAMNA),
            ):
                assert get(visible, token).status_code == 200
                same_as_missing(
                    get(hidden, token), get(world.missing, token), hidden, world.missing
                )
            for guid in (HUMONGOUS, LAMNA):
                assert get(guid, world.operator).status_code == 200

    return case


def organizations_collection(client: TestClient, world: World) -> None:
    for token, expected in visible_to(client, world).items():
        body = client.get("/v6/Organizations", headers=world.headers(token)).json()
        assert {uuid.UUID(org["id"]) for org in body} == expected
        assert len(body) == len(expected)


def licensed_users(client: TestClient, world: World) -> None:
    """Pages hold only visible organizations' users; asking for another organization's users
    answers exactly like asking for one that does not exist."""

    def get(token: str, **params: object) -> httpx.Response:
        return client.get("/v6/LicensedUsers", headers=world.headers(token), params=params)

    with demo_clock(client):
        for token, expected in visible_to(client, world).items():
            body = get(token, limit=10_000).json()
            assert {uuid.UUID(user["organizationId"]) for user in body["results"]} == expected
            assert body["totalCount"] == len(body["results"])
        for token, hidden in ((world.customer_a, HUMONGOUS), (world.partner_a, LAMNA)):
            same_as_missing(
                get(token, organizationId=hidden),
                get(token, organizationId=world.missing),
                hidden,
                world.missing,
            )
        assert get(world.operator, organizationId=LAMNA).json()["totalCount"] > 0


VEEAM_SCOPE_CASES: dict[tuple[str, str], Case] = {
    ("GET", "/v6/Organizations"): organizations_collection,
    ("GET", "/v6/Organizations/{organizationId}"): by_id("/v6/Organizations/{guid}"),
    ("GET", "/v6/Organizations/{organizationId}/LicensingInformation"): by_id(
        "/v6/Organizations/{guid}/LicensingInformation"
    ),
    ("GET", "/v6/LicensedUsers"): licensed_users,
}
