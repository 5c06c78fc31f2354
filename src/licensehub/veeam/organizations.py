"""Veeam Backup for Microsoft 365 v6: organizations, their licensing information and their
licensed users. The licensing rules are in rules.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection, Row

from licensehub.auth.scope import Scoped
from licensehub.auth.tenant_scope import TenantScope
from licensehub.kit.clock import Now
from licensehub.kit.dependencies import LedgerTurn, Turn, looked_up
from licensehub.kit.errors import NotFound
from licensehub.veeam import queries
from licensehub.veeam.errors import VeeamJSON, veeam_json
from licensehub.veeam.schemas import (
    Links,
    PageOfRESTLicensedUser,
    RESTExceptionInfo,
    RESTLicensedUser,
    RESTLinkHAL,
    RestOrganizationComposed,
    RESTOrganizationLicensingInformation,
)

DEFAULT_LIMIT = 30
MAX_LIMIT = 10_000

router = APIRouter(
    tags=["Veeam Backup for Microsoft 365"],
    default_response_class=VeeamJSON,
    responses={status: {"model": RESTExceptionInfo} for status in (400, 401, 404)},
)

OrganizationId = Annotated[
    uuid.UUID, Path(alias="organizationId", description="The organization's id (a GUID).")
]
ExtendedView = Annotated[
    bool, Query(alias="extendedView", description="Accepted as Veeam's spec has it; ignored.")
]


def link(url: Any) -> RESTLinkHAL:
    return RESTLinkHAL(href=str(url))


def organization_links(request: Request, guid: uuid.UUID) -> Links:
    """Absolute links, from the request's own scheme and host (a trusted proxy's included)."""
    return {
        "self": link(request.url_for("veeam_organization", organizationId=str(guid))),
        "licensingInformation": link(
            request.url_for("veeam_licensing_information", organizationId=str(guid))
        ),
        "licensedUsers": link(
            request.url_for("veeam_licensed_users").include_query_params(organizationId=str(guid))
        ),
    }


def not_found(guid: uuid.UUID) -> NotFound:
    # The same words for an organization that does not exist and one the caller may not see.
    return NotFound(f"Organization with ID {guid} was not found.")


def find(connection: Connection, scope: TenantScope, guid: uuid.UUID) -> Row[Any]:
    row = queries.organization(connection, scope, guid)
    if row is None:
        raise not_found(guid)
    return row


def composed(request: Request, row: Row[Any]) -> RestOrganizationComposed:
    return RestOrganizationComposed(
        id=row.organization_id,
        name=row.name,
        officeName=row.office_name or row.name,
        type=row.type,
        isBackedup=row.is_backed_up,
        firstBackuptime=row.first_backup_time,
        lastBackuptime=row.last_backup_time,
        links=organization_links(request, row.organization_id),
    )


@router.get(
    "/v6/Organizations",
    name="veeam_organizations",
    response_model=list[RestOrganizationComposed],
    summary="The organizations the caller may see",
)
def get_organizations(
    request: Request, turn: LedgerTurn, scope: Scoped, extended_view: ExtendedView = True
) -> Response:
    with turn.reading() as ledger:
        rows = queries.all_organizations(ledger, scope)
    return veeam_json([composed(request, row) for row in rows])


@router.get(
    "/v6/Organizations/{organizationId}",
    name="veeam_organization",
    response_model=RestOrganizationComposed,
    summary="One organization",
)
async def get_organization(
    request: Request,
    scope: Scoped,
    organization_id: OrganizationId,
    extended_view: ExtendedView = True,
) -> Response:
    return await looked_up(request, organization_answer, request, scope, organization_id)


def organization_answer(
    turn: Turn, request: Request, scope: TenantScope, organization_id: uuid.UUID
) -> Response:
    with turn.reading() as ledger:
        row = find(ledger, scope, organization_id)
    return veeam_json(composed(request, row))


@router.get(
    "/v6/Organizations/{organizationId}/LicensingInformation",
    name="veeam_licensing_information",
    response_model=RESTOrganizationLicensingInformation,
    summary="How many licenses the organization's users consume, and how many are new",
)
async def get_licensing_information(
    request: Request, scope: Scoped, now: Now, organization_id: OrganizationId
) -> Response:
    return await looked_up(request, licensing_answer, scope, organization_id, now)


def licensing_answer(
    turn: Turn, scope: TenantScope, organization_id: uuid.UUID, now: datetime
) -> Response:
    with turn.reading() as ledger:
        counts = queries.licensing_information(ledger, scope, organization_id, now)
    if counts is None:
        raise not_found(organization_id)
    return veeam_json(
        RESTOrganizationLicensingInformation(
            licensedUsers=counts.licensed_users, newUsers=counts.new_users
        )
    )


def licensed_user(request: Request, found: queries.LicensedUser) -> RESTLicensedUser:
    row = found.row
    return RESTLicensedUser(
        id=str(row.backup_user_id),
        name=row.name,
        isBackedUp=True,  # a licensed user is one backed up within the window
        lastBackupDate=row.last_backup_time,
        licenseState=found.state,
        organizationId=row.organization_id,
        backedUpOrganizationId=str(row.organization_id),
        organizationName=row.organization_name,
        links={
            "organization": link(
                request.url_for("veeam_organization", organizationId=str(row.organization_id))
            )
        },
    )


@router.get(
    "/v6/LicensedUsers",
    name="veeam_licensed_users",
    response_model=PageOfRESTLicensedUser,
    summary="The users in use (backed up within 31 days) and their license states, a page",
)
def get_licensed_users(
    request: Request,
    turn: LedgerTurn,
    scope: Scoped,
    now: Now,
    organization_id: Annotated[
        uuid.UUID | None,
        Query(alias="organizationId", description="Only this organization's users."),
    ] = None,
    name: Annotated[
        str | None, Query(description="Only the users of this name (case-insensitive).")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1, description="Users to skip.")] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Users per page, at most {MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
) -> Response:
    # The total and its page see one snapshot: an import meanwhile cannot make them disagree.
    with turn.reading(snapshot=True) as ledger:
        row_id = find(ledger, scope, organization_id).id if organization_id is not None else None
        query = queries.LicensedUsersQuery(now, row_id, name, offset, limit)
        total, users = queries.licensed_users(ledger, scope, query)
    links = {"self": link(request.url)}
    if offset + limit < total:
        links["next"] = link(request.url.include_query_params(offset=offset + limit, limit=limit))
    return veeam_json(
        PageOfRESTLicensedUser(
            offset=offset,
            limit=limit,
            results=[licensed_user(request, user) for user in users],
            totalCount=total,
            links=links,
        )
    )
