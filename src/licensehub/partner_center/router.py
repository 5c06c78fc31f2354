"""Partner Center: customers, their seats and their users' licenses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import Response
from sqlalchemy import Row

from licensehub.auth.scope import Scoped
from licensehub.kit.dependencies import LedgerTurn, LookupTurn
from licensehub.kit.errors import NotFound
from licensehub.kit.responses import json_response
from licensehub.partner_center import queries
from licensehub.partner_center.negotiation import negotiate, respond
from licensehub.partner_center.params import (
    CUSTOMER_NOT_FOUND,
    CustomerId,
    license_groups,
    visible_customer,
)
from licensehub.partner_center.schemas import (
    Collection,
    CompanyProfile,
    Customer,
    License,
    Link,
    PartnerCenterError,
    ProductSku,
    ServicePlan,
    SubscribedSku,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": PartnerCenterError} for status in (400, 401, 403, 404, 406)
}
TRACKING_HEADERS = {
    name: {"description": "Echoed when sent; generated when not.", "schema": {"type": "string"}}
    for name in ("MS-RequestId", "MS-CorrelationId", "MS-CV")
}

router = APIRouter(tags=["Partner Center"], responses=ERRORS)

LicenseGroups = Annotated[list[str], Depends(license_groups)]


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


def product_sku(row: Row[Any]) -> ProductSku:
    return ProductSku(
        id=str(row.sku_id),
        name=row.product_name,
        skuPartNumber=row.sku_part_number,
        targetType=row.target_type,
        licenseGroupId=row.license_group,
    )


def service_plan(row: Row[Any], status: str) -> ServicePlan:
    return ServicePlan(
        displayName=row.display_name,
        serviceName=row.service_name,
        id=str(row.service_plan_id),
        capabilityStatus=status,
        targetType=row.target_type,
    )


@router.get(
    "/v1/customers",
    response_model=Collection[Customer],
    summary="The customers the caller may see",
)
def list_customers(
    turn: LedgerTurn,
    scope: Scoped,
    size: Annotated[int, Query(ge=1, le=500, description="How many customers at most.")] = 200,
) -> Response:
    with turn.reading() as ledger:
        total, rows = queries.customers(ledger, scope, size)
    return json_response(
        Collection[Customer](
            totalCount=total,
            items=[customer_resource(row) for row in rows],
            links={"self": Link(uri=f"/customers?size={size}")},
        )
    )


@router.get("/v1/customers/{customer_id}", response_model=Customer, summary="One customer")
def get_customer(scope: Scoped, turn: LookupTurn, customer_id: CustomerId) -> Response:
    with turn.reading() as ledger:
        row = visible_customer(ledger, scope, customer_id)
    return json_response(customer_resource(row))


@router.get(
    "/v1/customers/{customer_id}/subscribedskus",
    response_model=Collection[SubscribedSku],
    summary="The customer's seats per product SKU",
)
def subscribed_skus(
    scope: Scoped, turn: LookupTurn, customer_id: CustomerId, groups: LicenseGroups
) -> Response:
    with turn.reading() as ledger:
        tenant = visible_customer(ledger, scope, customer_id)
        items = []
        for row, plans in queries.subscribed_skus(ledger, tenant.id, groups):
            total = row.enabled_units + row.warning_units
            items.append(
                SubscribedSku(
                    availableUnits=total - row.consumed,
                    activeUnits=row.enabled_units,
                    consumedUnits=row.consumed,
                    suspendedUnits=row.suspended_units,
                    totalUnits=total,
                    warningUnits=row.warning_units,
                    productSku=product_sku(row),
                    servicePlans=[service_plan(plan, "Enabled") for plan in plans],
                    capabilityStatus=row.capability_status,
                )
            )
    return json_response(Collection[SubscribedSku](totalCount=len(items), items=items))


@router.get(
    "/v1/customers/{customer_id}/users/{user_id}/licenses",
    response_model=Collection[License],
    summary="The licenses assigned to a user, by license group",
    responses={
        200: {
            "content": {"application/xml": {}, "text/xml": {}, "text/json": {}},
            "headers": TRACKING_HEADERS,
        }
    },
)
def user_licenses(
    scope: Scoped,
    turn: LookupTurn,
    customer_id: CustomerId,
    user_id: Annotated[str, Path(description="The user's object id or userPrincipalName.")],
    groups: LicenseGroups,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    media_type = negotiate(accept)
    with turn.reading() as ledger:
        found = queries.customer_user(ledger, scope, customer_id, user_id)
        if found is None:
            raise NotFound(CUSTOMER_NOT_FOUND.format(customer_id))
        if found.user_row_id is None:
            raise NotFound(f"User {user_id} was not found in customer {customer_id}.")
        held = queries.user_licenses(ledger, found.user_row_id, groups)
    items = [
        License(
            servicePlans=[
                service_plan(plan, "Disabled" if plan.disabled else "Assigned") for plan in plans
            ],
            productSku=product_sku(sku),
        )
        for sku, plans in held
    ]
    body = Collection[License](totalCount=len(items), items=items)
    return respond(body, media_type, exclude={"links"})
