"""Principals: who a token stands for, and what part of the ledger each may see.

An operator sees everything, a partner principal its own customers, a customer principal
its one tenant (with that tenant's voice service and backup organization).
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, Row, insert, or_, select

from licensehub.auth.secrets import hash_client_secret, hash_password, new_client_secret
from licensehub.ledger.tables import (
    api_clients,
    partners,
    password_credentials,
    principals,
    tenants,
)

Kind = Literal["operator", "partner", "customer"]


@dataclass(frozen=True)
class Principal:
    id: int
    kind: Kind
    name: str
    partner_id: int | None = None  # the partner whose customers a partner principal sees
    tenant_id: int | None = None  # the one tenant a customer principal sees
    can_write: bool = False


class UnknownScope(LookupError):
    """A --tenant or --partner that names nothing in the ledger."""


def resolve_tenant(connection: Connection, tenant: str) -> int:
    try:
        tenant_guid = uuid.UUID(tenant)
    except ValueError as exc:
        raise UnknownScope(f"tenant id {tenant!r} is not a GUID") from exc
    found = connection.execute(
        select(tenants.c.id).where(tenants.c.tenant_id == tenant_guid)
    ).scalar()
    if found is None:
        raise UnknownScope(f"no tenant {tenant_guid} in the ledger")
    return int(found)


def resolve_partner(connection: Connection, partner: str) -> int:
    """A partner by its number in the ledger or its own Entra ID tenant id."""
    conditions = []
    if partner.isdigit():
        conditions.append(partners.c.id == int(partner))
    with contextlib.suppress(ValueError):  # not a GUID: then it can only be the number
        conditions.append(partners.c.partner_tenant_id == uuid.UUID(partner))
    found = (
        connection.execute(select(partners.c.id).where(or_(*conditions))).scalar()
        if conditions
        else None
    )
    if found is None:
        raise UnknownScope(f"no partner {partner!r} in the ledger (give its number or tenant id)")
    return int(found)


def create_principal(
    connection: Connection,
    name: str,
    *,
    partner_id: int | None = None,
    tenant_id: int | None = None,
    can_write: bool = False,
) -> Principal:
    if partner_id is not None and tenant_id is not None:
        raise ValueError("a principal is scoped to one partner or one tenant, not both")
    kind: Kind = "customer" if tenant_id else "partner" if partner_id else "operator"
    row_id = connection.execute(
        insert(principals)
        .values(
            kind=kind,
            name=name,
            partner_id=partner_id,
            tenant_id=tenant_id,
            can_write=can_write,
        )
        .returning(principals.c.id)
    ).scalar_one()
    return Principal(row_id, kind, name, partner_id, tenant_id, can_write)


def principal_from_row(row: Row[Any]) -> Principal:
    fields = row._mapping
    return Principal(
        id=fields["id"],
        kind=fields["kind"],
        name=fields["name"],
        partner_id=fields["partner_id"],
        tenant_id=fields["tenant_id"],
        can_write=fields["can_write"],
    )


def active_principal(connection: Connection, principal_id: int) -> Principal | None:
    row = connection.execute(
        select(principals).where(
            principals.c.id == principal_id, principals.c.disabled_at.is_(None)
        )
    ).first()
    return principal_from_row(row) if row else None


def normalize_username(username: str) -> str:
    return username.strip().casefold()


def add_password_user(
    connection: Connection, principal: Principal, username: str, password: str
) -> None:
    connection.execute(
        insert(password_credentials).values(
            principal_id=principal.id,
            username=normalize_username(username),
            password_hash=hash_password(password),
        )
    )


def add_api_client(connection: Connection, principal: Principal, key: bytes) -> tuple[str, str]:
    """A new client id and secret; the secret is shown once and kept only as a keyed hash."""
    client_id, secret = str(uuid.uuid4()), new_client_secret()
    connection.execute(
        insert(api_clients).values(
            principal_id=principal.id,
            client_id=client_id,
            secret_hash=hash_client_secret(key, secret),
        )
    )
    return client_id, secret


def password_user(connection: Connection, username: str) -> tuple[Principal, str] | None:
    row = connection.execute(
        select(principals, password_credentials.c.password_hash)
        .join(password_credentials, password_credentials.c.principal_id == principals.c.id)
        .where(
            password_credentials.c.username == normalize_username(username),
            principals.c.disabled_at.is_(None),
        )
    ).first()
    return (principal_from_row(row), row.password_hash) if row else None


def api_client(connection: Connection, client_id: str) -> tuple[Principal, str] | None:
    row = connection.execute(
        select(principals, api_clients.c.secret_hash)
        .join(api_clients, api_clients.c.principal_id == principals.c.id)
        .where(api_clients.c.client_id == client_id, principals.c.disabled_at.is_(None))
    ).first()
    return (principal_from_row(row), row.secret_hash) if row else None
