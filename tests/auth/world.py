"""Principals and tokens over the demo ledger, for tests of who may see what."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, select

from licensehub.auth.keys import load_keys
from licensehub.auth.principals import Principal, create_principal
from licensehub.auth.tokens import issue_access_token
from licensehub.ledger.tables import partners, tenants


@dataclass(frozen=True)
class Tenant:
    id: int
    tenant_id: uuid.UUID
    partner_id: int


@dataclass(frozen=True)
class World:
    """Tenant A belongs to partner 1, tenant B to partner 2; tokens for each kind."""

    a: Tenant
    b: Tenant
    partner_tenants: dict[int, set[uuid.UUID]]
    operator: str
    partner_a: str  # partner of tenant A
    partner_a_writer: str
    customer_a: str
    customer_a_writer: str
    missing: uuid.UUID  # a tenant id that exists nowhere

    def headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def tenant_named(engine: Engine, name: str) -> Tenant:
    with engine.connect() as connection:
        row = connection.execute(
            select(tenants.c.id, tenants.c.tenant_id, tenants.c.partner_id).where(
                tenants.c.name == name
            )
        ).one()
    return Tenant(row.id, row.tenant_id, row.partner_id)


def build_world(engine: Engine) -> World:
    a = tenant_named(engine, "Woodgrove Bank")
    b = tenant_named(engine, "Relecloud")
    assert a.partner_id != b.partner_id
    with engine.begin() as connection:
        keys = load_keys(connection, None)
        partner_tenants: dict[int, set[uuid.UUID]] = {}
        for partner_id, tenant_id in connection.execute(
            select(tenants.c.partner_id, tenants.c.tenant_id)
        ):
            partner_tenants.setdefault(partner_id, set()).add(tenant_id)
        assert len(connection.execute(select(partners.c.id)).all()) == 2

        def token(principal: Principal) -> str:
            return issue_access_token(keys, principal, timedelta(hours=1))[0]

        world = World(
            a=a,
            b=b,
            partner_tenants=partner_tenants,
            operator=token(create_principal(connection, "op")),
            partner_a=token(create_principal(connection, "pa", partner_id=a.partner_id)),
            partner_a_writer=token(
                create_principal(connection, "paw", partner_id=a.partner_id, can_write=True)
            ),
            customer_a=token(create_principal(connection, "ca", tenant_id=a.id)),
            customer_a_writer=token(
                create_principal(connection, "caw", tenant_id=a.id, can_write=True)
            ),
            missing=uuid.UUID("00000000-1111-4222-8333-444444444444"),
        )
    return world


def writer_operator_token(engine: Engine, name: str = "writer") -> str:
    """A token of a new operator that may write: it sees every tenant and reaches every
    endpoint, imports included."""
    with engine.begin() as connection:
        keys = load_keys(connection, None)
        principal = create_principal(connection, name, can_write=True)
    return issue_access_token(keys, principal, timedelta(hours=1))[0]
