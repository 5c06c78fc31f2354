"""Real path parameters from the demo ledger, so that the fuzz reaches past 404.

Random GUIDs and names almost never hit an entity, and then every operation stops at "not
found". Each set here names entities that belong together (a voice service, one of its numbers,
a user of its tenant, the tenant's backup organization), so a write lands on a real row.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from licensehub.ledger.tables import (
    backup_organizations,
    tenants,
    users,
    voice_phone_numbers,
    voice_services,
)

# A few services are enough: each set is tried with every generated body and query.
SERVICES_PER_RUN = 3


def known_path_parameters(engine: Engine) -> list[dict[str, str]]:
    """Coherent sets of real values, by path parameter name, in a stable order."""
    found: list[dict[str, str]] = []
    with engine.connect() as connection:
        services = connection.execute(
            select(
                voice_services.c.id,
                voice_services.c.tenant_id,
                voice_services.c.ump_customer_guid,
                tenants.c.tenant_id.label("customer_id"),
            )
            .join(tenants, tenants.c.id == voice_services.c.tenant_id)
            .order_by(voice_services.c.id)
            .limit(SERVICES_PER_RUN * 2)
        ).all()
        for service in services:
            user = connection.execute(
                select(users.c.object_id, users.c.user_principal_name)
                .where(users.c.tenant_id == service.tenant_id)
                .order_by(users.c.id)
                .limit(1)
            ).one_or_none()
            number = connection.execute(
                select(voice_phone_numbers.c.telephone_number)
                .where(voice_phone_numbers.c.service_id == service.id)
                .order_by(voice_phone_numbers.c.id)
                .limit(1)
            ).scalar_one_or_none()
            organization = connection.execute(
                select(backup_organizations.c.organization_id)
                .order_by(
                    # The service's own tenant's organization first, else any.
                    (backup_organizations.c.tenant_id != service.tenant_id),
                    backup_organizations.c.id,
                )
                .limit(1)
            ).scalar_one_or_none()
            values = {"serviceId": str(service.id), "customer_id": str(service.customer_id)}
            if service.ump_customer_guid is not None:
                values["customerGuid"] = str(service.ump_customer_guid)
            if user is not None:
                values["userId"] = user.user_principal_name
                values["user_id"] = str(user.object_id)
            if number is not None:
                values["telephoneNumber"] = number
            if organization is not None:
                values["organizationId"] = str(organization)
            found.append(values)
    return found[:SERVICES_PER_RUN]
