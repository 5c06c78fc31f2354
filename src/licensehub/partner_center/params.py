"""Parameters several Partner Center endpoints share, checked the way Partner Center does."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query
from sqlalchemy import Connection, Row

from licensehub.auth.tenant_scope import TenantScope
from licensehub.kit.errors import InvalidParameter, NotFound
from licensehub.partner_center import queries

CustomerId = Annotated[uuid.UUID, Path(description="The customer's tenant id.")]

CUSTOMER_NOT_FOUND = "Customer {} was not found."

LICENSE_GROUPS = {"group1": "group1", "group2": "group2"}


async def license_groups(  # no I/O: async (kit/clock.py's now says why)
    licenseGroupIds: Annotated[
        list[str] | None,
        Query(
            description="Group1 (licenses managed in Entra ID) and/or Group2 (Minecraft); "
            "repeat the parameter for both. Default: Group1.",
        ),
    ] = None,
) -> list[str]:
    groups = []
    for value in licenseGroupIds or ["Group1"]:
        group = LICENSE_GROUPS.get(value.strip().lower())
        if group is None:
            raise InvalidParameter(
                f"licenseGroupIds: {value!r} is not a license group; use Group1 or Group2."
            )
        if group not in groups:
            groups.append(group)
    return groups


def visible_customer(
    connection: Connection, scope: TenantScope, customer_id: uuid.UUID
) -> Row[Any]:
    """The customer, if the principal may see it; else the same 404 as for no customer."""
    row = queries.customer(connection, scope, customer_id)
    if row is None:
        raise NotFound(CUSTOMER_NOT_FOUND.format(customer_id))
    return row
