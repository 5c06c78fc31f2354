"""The Partner Center APIs' reads of the ledger, each starting from the tenant scope: the
customers here, the licenses and seats in licenses.py.

The point lookups' statements are built once: the customer, the user and the license groups
are bound parameters, and the principal's scope is one_tenant_restriction()'s, so that one
statement per kind of principal serves every request, without being built, keyed and looked
up in SQLAlchemy's cache of compiled SQL again (bench/HISTORY.md)."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    func,
    select,
)

from licensehub.auth.tenant_scope import TenantScope, one_tenant_restriction
from licensehub.ledger.tables import tenants

CUSTOMER_ID: BindParameter[Any] = bindparam("customer_id")


def customers(connection: Connection, scope: TenantScope, size: int) -> tuple[int, list[Row[Any]]]:
    visible = scope.tenants().subquery()
    total = connection.execute(select(func.count()).select_from(visible)).scalar_one()
    rows = connection.execute(
        select(visible).order_by(visible.c.name, visible.c.tenant_id).limit(size)
    ).all()
    return total, list(rows)


def requested_customer(kind: str) -> ColumnElement[bool]:
    """The tenants row of the customer the request names (CUSTOMER_ID), if a principal of
    `kind` may see it: where every lookup under /customers/{customer_id} starts."""
    return and_(one_tenant_restriction(kind, tenants.c.id), tenants.c.tenant_id == CUSTOMER_ID)


@cache
def customer_statement(kind: str) -> Select[Any]:
    return select(tenants).where(requested_customer(kind))


def customer(connection: Connection, scope: TenantScope, tenant_id: uuid.UUID) -> Row[Any] | None:
    statement = customer_statement(scope.principal.kind)
    return connection.execute(statement, scope.values(customer_id=tenant_id)).first()
