"""Partner Center: the customers a principal may see."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import Row

from licensehub.auth.scope import Scoped
from licensehub.kit.dependencies import Ledger
from licensehub.kit.errors import NotFound
from licensehub.partner_center import queries
from licensehub.partner_center.schemas import (
    Collection,
    CompanyProfile,
    Customer,
    Link,
    PartnerCenterError,
)

router = APIRouter(
    tags=["Partner Center"],
    responses={
        400: {"model": PartnerCenterError},
        401: {"model": PartnerCenterError},
        404: {"model": PartnerCenterError},
    },
)

CustomerId = Annotated[uuid.UUID, Path(description="The customer's tenant id.")]


def customer_resource(row: Row[Any]) -> Customer:
    tenant_id = str(row.tenant_id)
    return Customer(
        id=tenant_id,
        companyProfile=CompanyProfile(
            tenantId=tenant_id, domain=row.default_domain, companyName=row.name
        ),
        relationshipToPartner=row.channel,
        links={"self": Link(uri=f"/customers/{tenant_id}")},
    )


@router.get(
    "/v1/customers",
    response_model=Collection[Customer],
    summary="The customers the caller may see",
)
def list_customers(
    ledger: Ledger,
    scope: Scoped,
    size: Annotated[int, Query(ge=1, le=500, description="How many customers at most.")] = 200,
) -> Collection[Customer]:
    total, rows = queries.customers(ledger, scope, size)
    return Collection[Customer](
        totalCount=total,
        items=[customer_resource(row) for row in rows],
        links={"self": Link(uri=f"/customers?size={size}")},
    )


@router.get(
    "/v1/customers/{customer_id}",
    response_model=Customer,
    summary="One customer",
)
def get_customer(ledger: Ledger, scope: Scoped, customer_id: CustomerId) -> Customer:
    row = queries.customer(ledger, scope, customer_id)
    if row is None:
        raise NotFound(f"Customer {customer_id} was not found.")
    return customer_resource(row)
