"""The demo's seed service (the licenseinfo page's example) and changes to its inputs made
outside the API, as an import or an operator's SQL makes them."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, insert, select

from licensehub.ledger.tables import (
    tenants,
    users,
    voice_license_factors,
    voice_monitored_users,
    voice_services,
)
from tests.live_platform.conftest import SEED_GUID, Clock

PATH = f"/api/v3/customer/{SEED_GUID}/licenseinfo"


def records(api: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = api.get(PATH, params=params)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def service_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(voice_services.c.id).where(
                    voice_services.c.ump_customer_guid == uuid.UUID(SEED_GUID)
                )
            ).scalar_one()
        )


def add_interface_user(engine: Engine) -> None:
    """One more of the tenant's users updated through the interface."""
    sid = service_id(engine)
    with engine.begin() as connection:
        tenant_id = connection.execute(
            select(voice_services.c.tenant_id).where(voice_services.c.id == sid)
        ).scalar_one()
        taken = select(voice_monitored_users.c.user_id)
        user_id = connection.execute(
            select(users.c.id)
            .where(users.c.tenant_id == tenant_id, users.c.id.not_in(taken))
            .limit(1)
        ).scalar_one()
        connection.execute(
            insert(voice_monitored_users).values(
                service_id=sid, user_id=user_id, ui_updated_at=Clock().moment
            )
        )


def set_factors(engine: Engine, level: str, **factors: bool | None) -> None:
    sid = service_id(engine)
    with engine.begin() as connection:
        partner_id = connection.execute(
            select(tenants.c.partner_id)
            .join(voice_services, voice_services.c.tenant_id == tenants.c.id)
            .where(voice_services.c.id == sid)
        ).scalar_one()
        column, value = (
            (voice_license_factors.c.partner_id, partner_id)
            if level == "global"
            else (voice_license_factors.c.service_id, sid)
        )
        connection.execute(delete(voice_license_factors).where(column == value))
        row = {"by_template": None, "by_user_interface": None, "service_numbers": None} | factors
        connection.execute(insert(voice_license_factors).values({column.key: value, **row}))
