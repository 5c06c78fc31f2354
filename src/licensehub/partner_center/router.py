"""Partner Center: customers, their seats and their users' licenses."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response

from licensehub.auth.scope import Scoped
from licensehub.auth.tenant_scope import TenantScope
from licensehub.kit.dependencies import LedgerTurn, Turn, looked_up
from licensehub.kit.errors import NotFound
from licensehub.kit.responses import json_response
from licensehub.partner_center import licenses, queries, resources
from licensehub.partner_center.negotiation import negotiate, respond
from licensehub.partner_center.params import (
    CUSTOMER_NOT_FOUND,
    CustomerId,
    license_groups,
    visible_customer,
)
from licensehub.partner_center.schemas import (
    Collection,
    Customer,
    License,
    PartnerCenterError,
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
    with turn.reading(snapshot=True) as ledger:  # totalCount and the items agree
        total, rows = queries.customers(ledger, scope, size)
    items = [resources.customer(row) for row in rows]
    links = {"self": resources.link(f"/customers?size={size}")}
    return json_response(resources.collection(items, links, total=total))


@router.get("/v1/customers/{customer_id}", response_model=Customer, summary="One customer")
async def get_customer(request: Request, scope: Scoped, customer_id: CustomerId) -> Response:
    return await looked_up(request, customer_answer, scope, customer_id)


def customer_answer(turn: Turn, scope: TenantScope, customer_id: uuid.UUID) -> Response:
    with turn.reading() as ledger:
        row = visible_customer(ledger, scope, customer_id)
    return json_response(resources.customer(row))


@router.get(
    "/v1/customers/{customer_id}/subscribedskus",
    response_model=Collection[SubscribedSku],
    summary="The customer's seats per product SKU",
)
async def subscribed_skus(
    request: Request, scope: Scoped, customer_id: CustomerId, groups: LicenseGroups
) -> Response:
    return await looked_up(request, subscribed_skus_answer, scope, customer_id, groups)


def subscribed_skus_answer(
    turn: Turn, scope: TenantScope, customer_id: uuid.UUID, groups: list[str]
) -> Response:
    with turn.reading() as ledger:
        skus = licenses.subscribed_skus(ledger, scope, customer_id, groups)
    if skus is None:
        raise NotFound(CUSTOMER_NOT_FOUND.format(customer_id))
    items = [resources.subscribed_sku_text(row) for row in skus]
    return Response(resources.collection_text(items, links=True), media_type="application/json")


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
async def user_licenses(
    request: Request,
    scope: Scoped,
    customer_id: CustomerId,
    user_id: Annotated[str, Path(description="The user's object id or userPrincipalName.")],
    groups: LicenseGroups,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    media_type = negotiate(accept)
    return await looked_up(
        request, user_licenses_answer, scope, customer_id, user_id, groups, media_type
    )


def user_licenses_answer(
    turn: Turn,
    scope: TenantScope,
    customer_id: uuid.UUID,
    user_id: str,
    groups: list[str],
    media_type: str,
) -> Response:
    with turn.reading() as ledger:  # one statement: the licenses with their plans
        found = licenses.held_skus(ledger, scope, customer_id, user_id, groups)
    if not found:
        raise NotFound(CUSTOMER_NOT_FOUND.format(customer_id))
    if found[0].user_row_id is None:
        raise NotFound(f"User {user_id} was not found in customer {customer_id}.")
    items = [
        resources.user_license_text(row.sku, row.plans)
        for row in found
        if row.assignment_id is not None
    ]
    return respond(resources.collection_text(items), media_type)
