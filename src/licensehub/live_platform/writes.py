"""The Live Platform's write operations, in its /api/v3 style: services (leads until a
license is applied), acquired licenses, license factors, per-user management and numbers.

Every write is tenant-scoped, needs the write scope, stamps the service's lastUpdate and
rewrites today's license-info record."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Row, func, insert, select, update

from licensehub.auth.scope import Scoped, WritePrincipal
from licensehub.kit.clock import Now
from licensehub.kit.dependencies import LedgerTurn
from licensehub.kit.errors import Conflict, Forbidden, InvalidParameter, NotFound, problem_responses
from licensehub.ledger.tables import (
    tenants,
    users,
    voice_license_factors,
    voice_monitored_users,
    voice_phone_numbers,
    voice_services,
)
from licensehub.live_platform.queries import touched, visible_service
from licensehub.live_platform.router import CustomerGuid
from licensehub.live_platform.rules import FACTOR_ALIASES

router = APIRouter(
    tags=["Live Platform"],
    responses=problem_responses(400, 401, 403, 404, 409),
)

ServiceType = Literal["OperatorConnect", "DirectRouting"]
TARGETS = {
    "UserAssigned": "User",
    "ConferenceAssigned": "ConferenceBridge",
    "VoiceApplicationAssigned": "VoiceApplication",
    "ThirdPartyAppAssigned": "ThirdPartyApp",
}


class NewService(BaseModel):
    tenantId: uuid.UUID
    serviceType: ServiceType
    name: str | None = Field(default=None, max_length=256)


class Service(BaseModel):
    serviceId: int
    umpCustomerGuid: str | None
    tenantId: str
    serviceType: str
    name: str
    acquiredLicenses: int


class AcquiredLicenses(BaseModel):
    acquiredLicenses: int = Field(ge=0, le=10_000_000)


class FactorSettings(BaseModel):
    """Factors by their Live Platform names; null inherits from the level above."""

    model_config = ConfigDict(extra="forbid")
    LicenseFactors: dict[str, bool | None]
    partnerId: int | None = None


class Template(BaseModel):
    template: str | None = Field(max_length=128)


class NewNumber(BaseModel):
    telephoneNumber: str = Field(pattern=r"^\+?[0-9]{4,20}$")
    numberType: Literal["DirectRouting", "OperatorConnect", "CallingPlan"]


class Assignment(BaseModel):
    status: Literal["UserAssigned", "ConferenceAssigned", "VoiceApplicationAssigned",
                    "ThirdPartyAppAssigned"]  # fmt: skip
    targetId: str = Field(min_length=1, max_length=320)
    voiceRoutingPolicy: str | None = Field(default="Unrestricted", max_length=64)


def service_body(row: Row[Any], tenant_id: uuid.UUID) -> Service:
    return Service(
        serviceId=row.id,
        umpCustomerGuid=str(row.ump_customer_guid) if row.ump_customer_guid else None,
        tenantId=str(tenant_id),
        serviceType=row.kind,
        name=row.name,
        acquiredLicenses=row.acquired_licenses,
    )


def tenant_guid(connection: Connection, tenant_row_id: int) -> uuid.UUID:
    return uuid.UUID(
        str(
            connection.execute(
                select(tenants.c.tenant_id).where(tenants.c.id == tenant_row_id)
            ).scalar_one()
        )
    )


@router.post(
    "/api/v3/services",
    status_code=201,
    response_model=Service,
    summary="Create a service for a customer (a lead until a license is applied)",
)
def create_service(
    turn: LedgerTurn, scope: Scoped, _: WritePrincipal, now: Now, body: NewService
) -> Service:
    with turn.writing() as ledger:
        tenant = ledger.execute(scope.tenants().where(tenants.c.tenant_id == body.tenantId)).first()
        if tenant is None:
            raise NotFound(f"No customer {body.tenantId}.")
        service_id = ledger.execute(
            insert(voice_services)
            .values(
                tenant_id=tenant.id,
                kind=body.serviceType,
                name=body.name or f"{tenant.name} - Teams Voice",
                created_at=now,
            )
            .returning(voice_services.c.id)
        ).scalar_one()
        return service_body(touched(ledger, service_id, now), body.tenantId)


@router.post(
    "/api/v3/services/{serviceId}/license",
    response_model=Service,
    summary="Apply a license: the lead becomes a customer with an umpCustomerGuid",
)
def apply_license(
    turn: LedgerTurn,
    scope: Scoped,
    _: WritePrincipal,
    now: Now,
    service_id: Annotated[int, Path(alias="serviceId", ge=1, le=2**63 - 1)],
    body: AcquiredLicenses,
) -> Service:
    with turn.writing() as ledger:
        row = ledger.execute(
            select(voice_services).where(
                voice_services.c.id == service_id, scope.restrict(voice_services.c.tenant_id)
            )
        ).first()
        if row is None:
            raise NotFound(f"No service {service_id}.")
        values: dict[str, Any] = {"acquired_licenses": body.acquiredLicenses}
        if row.ump_customer_guid is None:
            values["ump_customer_guid"] = uuid.uuid4()
        ledger.execute(
            update(voice_services).where(voice_services.c.id == service_id).values(values)
        )
        updated = touched(ledger, service_id, now)
        return service_body(updated, tenant_guid(ledger, updated.tenant_id))


@router.put(
    "/api/v3/customer/{customerGuid}/acquiredLicenses",
    response_model=Service,
    summary="Set the licenses acquired at onboarding",
)
def set_acquired(
    turn: LedgerTurn,
    scope: Scoped,
    _: WritePrincipal,
    now: Now,
    guid: CustomerGuid,
    body: AcquiredLicenses,
) -> Service:
    with turn.writing() as ledger:
        row = visible_service(ledger, scope, guid)
        ledger.execute(
            update(voice_services)
            .where(voice_services.c.id == row.id)
            .values(acquired_licenses=body.acquiredLicenses)
        )
        return service_body(touched(ledger, row.id, now), tenant_guid(ledger, row.tenant_id))


def factor_values(settings: FactorSettings) -> dict[str, bool | None]:
    values: dict[str, bool | None] = {}
    for name, value in settings.LicenseFactors.items():
        field = FACTOR_ALIASES.get(name.strip().lower())
        if field is None:
            raise InvalidParameter(f"LicenseFactors: unknown factor {name!r}.")
        values[field] = value
    return values


def save_factors(
    connection: Connection, column: Any, key: int, values: dict[str, bool | None], now: datetime
) -> None:
    existing = connection.execute(select(voice_license_factors.c.id).where(column == key)).scalar()
    if existing is None:
        connection.execute(
            insert(voice_license_factors).values({column.key: key, "updated_at": now, **values})
        )
    else:
        connection.execute(
            update(voice_license_factors)
            .where(voice_license_factors.c.id == existing)
            .values(updated_at=now, **values)
        )


@router.put("/api/v3/licenseFactors", summary="The service provider's global License Factors")
def set_global_factors(
    turn: LedgerTurn, scope: Scoped, principal: WritePrincipal, now: Now, body: FactorSettings
) -> dict[str, Any]:
    # Checked before the write transaction opens: bad input never waits for the write lock.
    if principal.kind == "customer":
        raise Forbidden("Global License Factors belong to the service provider.")
    partner_id = principal.partner_id if principal.kind == "partner" else body.partnerId
    if partner_id is None:
        raise InvalidParameter("partnerId: an operator names the service provider (partner).")
    if principal.kind == "partner" and body.partnerId not in (None, partner_id):
        raise Forbidden("A partner sets its own global License Factors only.")
    values = factor_values(body)
    with turn.writing() as ledger:
        save_factors(ledger, voice_license_factors.c.partner_id, partner_id, values, now)
        services = (
            ledger.execute(
                select(voice_services.c.id)
                .join(tenants, tenants.c.id == voice_services.c.tenant_id)
                .where(tenants.c.partner_id == partner_id)
            )
            .scalars()
            .all()
        )
        for service_id in services:
            touched(ledger, service_id, now)
        return {"partnerId": partner_id, "servicesUpdated": len(services)}


@router.put(
    "/api/v3/customer/{customerGuid}/licenseFactors",
    summary="A service's own License Factors (null inherits the global one)",
)
def set_service_factors(
    turn: LedgerTurn,
    scope: Scoped,
    _: WritePrincipal,
    now: Now,
    guid: CustomerGuid,
    body: FactorSettings,
) -> dict[str, Any]:
    values = factor_values(body)  # before the write transaction, as in set_global_factors
    with turn.writing() as ledger:
        row = visible_service(ledger, scope, guid)
        save_factors(ledger, voice_license_factors.c.service_id, row.id, values, now)
        touched(ledger, row.id, now)
        return {"umpCustomerGuid": str(guid)}


def tenant_user(connection: Connection, tenant_row_id: int, user_id: str) -> int:
    try:
        matches = users.c.object_id == uuid.UUID(user_id)
    except ValueError:
        matches = func.lower(users.c.user_principal_name) == user_id.lower()
    found = connection.execute(
        select(users.c.id).where(
            users.c.tenant_id == tenant_row_id, matches, users.c.deleted_at.is_(None)
        )
    ).scalar()
    if found is None:
        raise NotFound(f"No user {user_id} in this customer's tenant.")
    return int(found)


def monitored(connection: Connection, service_id: int, user_row_id: int, **values: Any) -> None:
    existing = connection.execute(
        select(voice_monitored_users.c.id).where(
            voice_monitored_users.c.service_id == service_id,
            voice_monitored_users.c.user_id == user_row_id,
        )
    ).scalar()
    if existing is None:
        connection.execute(
            insert(voice_monitored_users).values(
                service_id=service_id, user_id=user_row_id, **values
            )
        )
    else:
        connection.execute(
            update(voice_monitored_users)
            .where(voice_monitored_users.c.id == existing)
            .values(**values)
        )


UserId = Annotated[str, Path(alias="userId", description="Object id or userPrincipalName.")]


@router.put(
    "/api/v3/customer/{customerGuid}/users/{userId}/lifeCycleTemplate",
    summary="Assign a user to a LifeCycle Management template (null removes it)",
)
def set_template(
    turn: LedgerTurn,
    scope: Scoped,
    _: WritePrincipal,
    now: Now,
    guid: CustomerGuid,
    user_id: UserId,
    body: Template,
) -> dict[str, Any]:
    with turn.writing() as ledger:
        row = visible_service(ledger, scope, guid)
        monitored(
            ledger,
            row.id,
            tenant_user(ledger, row.tenant_id, user_id),
            lifecycle_template=body.template,
        )
        touched(ledger, row.id, now)
        return {"userId": user_id, "template": body.template}


@router.post(
    "/api/v3/customer/{customerGuid}/users/{userId}/userInterfaceUpdate",
    summary="Record that a user's properties were updated through this interface",
)
def user_interface_update(
    turn: LedgerTurn,
    scope: Scoped,
    _: WritePrincipal,
    now: Now,
    guid: CustomerGuid,
    user_id: UserId,
) -> dict[str, Any]:
    with turn.writing() as ledger:
        row = visible_service(ledger, scope, guid)
        monitored(ledger, row.id, tenant_user(ledger, row.tenant_id, user_id), ui_updated_at=now)
        touched(ledger, row.id, now)
        return {"userId": user_id, "updatedAt": now.isoformat()}


Number = Annotated[str, Path(alias="telephoneNumber", pattern=r"^\+?[0-9]{4,20}$")]


def number_row(connection: Connection, service_id: int, number: str) -> int:
    found = connection.execute(
        select(voice_phone_numbers.c.id).where(
            voice_phone_numbers.c.service_id == service_id,
            voice_phone_numbers.c.telephone_number == number,
        )
    ).scalar()
    if found is None:
        raise NotFound(f"No number {number} in this service.")
    return int(found)


@router.post(
    "/api/v3/customer/{customerGuid}/numbers",
    status_code=201,
    summary="Add a phone number to the service",
)
def add_number(
    turn: LedgerTurn,
    scope: Scoped,
    _: WritePrincipal,
    now: Now,
    guid: CustomerGuid,
    body: NewNumber,
) -> dict[str, Any]:
    with turn.writing() as ledger:
        row = visible_service(ledger, scope, guid)
        exists = ledger.execute(
            select(voice_phone_numbers.c.id).where(
                voice_phone_numbers.c.service_id == row.id,
                voice_phone_numbers.c.telephone_number == body.telephoneNumber,
            )
        ).first()
        if exists:
            raise Conflict(f"The service already has {body.telephoneNumber}.")
        ledger.execute(
            insert(voice_phone_numbers).values(
                service_id=row.id,
                telephone_number=body.telephoneNumber,
                number_type=body.numberType,
                updated_at=now,
            )
        )
        touched(ledger, row.id, now)
        return {
            "telephoneNumber": body.telephoneNumber,
            "numberType": body.numberType,
            "status": "Unassigned",
        }


@router.put(
    "/api/v3/customer/{customerGuid}/numbers/{telephoneNumber}/assignment",
    summary="Assign a number to a user or another target",
)
def assign_number(
    turn: LedgerTurn,
    scope: Scoped,
    _: WritePrincipal,
    now: Now,
    guid: CustomerGuid,
    number: Number,
    body: Assignment,
) -> dict[str, Any]:
    with turn.writing() as ledger:
        row = visible_service(ledger, scope, guid)
        number_id = number_row(ledger, row.id, number)
        user_row = (
            tenant_user(ledger, row.tenant_id, body.targetId)
            if body.status == "UserAssigned"
            else None
        )
        ledger.execute(
            update(voice_phone_numbers)
            .where(voice_phone_numbers.c.id == number_id)
            .values(
                assignment_status=body.status,
                target_type=TARGETS[body.status],
                target_id=body.targetId,
                user_id=user_row,
                voice_routing_policy=body.voiceRoutingPolicy,
                updated_at=now,
            )
        )
        touched(ledger, row.id, now)
        return {
            "telephoneNumber": number,
            "status": body.status,
            "targetType": TARGETS[body.status],
        }


@router.delete(
    "/api/v3/customer/{customerGuid}/numbers/{telephoneNumber}/assignment",
    summary="Release a number",
)
def release_number(
    turn: LedgerTurn, scope: Scoped, _: WritePrincipal, now: Now, guid: CustomerGuid, number: Number
) -> dict[str, Any]:
    with turn.writing() as ledger:
        row = visible_service(ledger, scope, guid)
        number_id = number_row(ledger, row.id, number)
        ledger.execute(
            update(voice_phone_numbers)
            .where(voice_phone_numbers.c.id == number_id)
            .values(
                assignment_status="Unassigned",
                target_type=None,
                target_id=None,
                user_id=None,
                updated_at=now,
            )
        )
        touched(ledger, row.id, now)
        return {"telephoneNumber": number, "status": "Unassigned"}
