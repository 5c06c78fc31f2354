"""The Live Platform's write operations, each followed by the license info it changes."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, select

from licensehub.auth.keys import load_keys
from licensehub.auth.principals import create_principal
from licensehub.auth.tokens import issue_access_token
from licensehub.kit.dependencies import Turn
from licensehub.ledger.tables import tenants, users
from tests.auth.world import World
from tests.live_platform.conftest import SEED_GUID

BASE = f"/api/v3/customer/{SEED_GUID}"


def info(api: TestClient) -> dict[str, Any]:
    record: dict[str, Any] = api.get(f"{BASE}/licenseinfo").json()[0]
    return record


def writer(api: TestClient, world: World) -> dict[str, str]:
    return world.headers(world.partner_a_writer)


def spare_user(engine: Engine) -> str:
    """A user of the seed service's tenant that the service does not manage yet."""
    with engine.connect() as connection:
        return str(
            connection.execute(
                select(users.c.user_principal_name)
                .join(tenants, tenants.c.id == users.c.tenant_id)
                .where(tenants.c.name == "Litware Inc", users.c.deleted_at.is_(None))
                .order_by(users.c.id.desc())
                .limit(1)
            ).scalar_one()
        )


def test_a_lead_becomes_a_customer_when_a_license_is_applied(api: TestClient, world: World) -> None:
    headers = writer(api, world)
    created = api.post(
        "/api/v3/services",
        json={"tenantId": str(world.a.tenant_id), "serviceType": "OperatorConnect"},
        headers=headers,
    )
    assert created.status_code == 201
    lead = created.json()
    assert lead["umpCustomerGuid"] is None
    applied = api.post(
        f"/api/v3/services/{lead['serviceId']}/license",
        json={"acquiredLicenses": 25},
        headers=headers,
    ).json()
    guid = applied["umpCustomerGuid"]
    [record] = api.get(f"/api/v3/customer/{guid}/licenseinfo").json()
    assert (record["acquiredLicenses"], record["currentlyLicensed"]) == (25, 0)


def test_acquired_licenses_and_last_update(api: TestClient, world: World) -> None:
    before = info(api)
    response = api.put(
        f"{BASE}/acquiredLicenses", json={"acquiredLicenses": 80}, headers=writer(api, world)
    )
    assert response.status_code == 200
    after = info(api)
    assert after["acquiredLicenses"] == 80
    assert after["lastUpdate"] != before["lastUpdate"]


def test_a_template_and_an_interface_update_count_their_user(
    api: TestClient, world: World, demo_engine: Engine
) -> None:
    user = spare_user(demo_engine)
    headers = writer(api, world)
    assert (
        api.put(
            f"{BASE}/users/{user}/lifeCycleTemplate", json={"template": "Sales"}, headers=headers
        ).status_code
        == 200
    )
    record = info(api)
    assert (record["managedUsersByLifeCycleManagement"], record["currentlyLicensed"]) == (5, 25)
    api.post(f"{BASE}/users/{user.upper()}/userInterfaceUpdate", headers=headers)
    record = info(api)  # still once: the template comes first
    assert (record["managedUsersByLifeCycleManagement"], record["managedUsersUserInterface"]) == (
        5,
        10,
    )
    api.put(f"{BASE}/users/{user}/lifeCycleTemplate", json={"template": None}, headers=headers)
    record = info(api)
    assert (record["managedUsersByLifeCycleManagement"], record["managedUsersUserInterface"]) == (
        4,
        11,
    )
    assert (
        api.put(
            f"{BASE}/users/nobody@x/lifeCycleTemplate", json={"template": "x"}, headers=headers
        ).status_code
        == 404
    )


def test_numbers_added_assigned_and_released(
    api: TestClient, world: World, demo_engine: Engine
) -> None:
    headers = writer(api, world)
    number = "+14255550777"
    assert (
        api.post(
            f"{BASE}/numbers",
            json={"telephoneNumber": number, "numberType": "DirectRouting"},
            headers=headers,
        ).status_code
        == 201
    )
    assert (
        api.post(
            f"{BASE}/numbers",
            json={"telephoneNumber": number, "numberType": "DirectRouting"},
            headers=headers,
        ).status_code
        == 409
    )
    user = spare_user(demo_engine)
    assigned = api.put(
        f"{BASE}/numbers/{number}/assignment",
        json={"status": "UserAssigned", "targetId": user},
        headers=headers,
    )
    assert assigned.status_code == 200
    record = info(api)
    assert (
        record["managedUsersDirectRouting"],
        record["totalMonitoredUsers"],
        record["currentlyLicensed"],
    ) == (7, 21, 25)
    api.put(
        f"{BASE}/numbers/{number}/assignment",
        json={"status": "VoiceApplicationAssigned", "targetId": "app"},
        headers=headers,
    )
    record = info(api)
    assert (record["managedUsersDirectRouting"], record["managedServiceNumbers"]) == (6, 3)
    assert api.delete(f"{BASE}/numbers/{number}/assignment", headers=headers).status_code == 200
    assert info(api)["managedServiceNumbers"] == 2
    assert api.delete(f"{BASE}/numbers/+19999999999/assignment", headers=headers).status_code == 404
    assert (
        api.post(
            f"{BASE}/numbers",
            json={"telephoneNumber": "call me", "numberType": "DirectRouting"},
            headers=headers,
        ).status_code
        == 400
    )


def test_factors_by_either_name_and_flags_level(api: TestClient, world: World) -> None:
    headers = writer(api, world)
    body = {"LicenseFactors": {"Managed Users - By LifeCycle Management": False}}
    assert api.put(f"{BASE}/licenseFactors", json=body, headers=headers).status_code == 200
    record = info(api)
    assert record["LicenseFactors"]["Managed Users - By Template"] is False
    assert record["licenseSettingsFlagsLevel"] == 1
    assert record["currentlyLicensed"] == 20
    api.put(
        f"{BASE}/licenseFactors",
        json={"LicenseFactors": {"Managed Users - By Template": None}},
        headers=headers,
    )
    assert info(api)["licenseSettingsFlagsLevel"] == 2
    bad = api.put(
        f"{BASE}/licenseFactors", json={"LicenseFactors": {"Managed Faxes": True}}, headers=headers
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"


def test_a_read_only_token_cannot_write(api: TestClient) -> None:
    response = api.put(f"{BASE}/acquiredLicenses", json={"acquiredLicenses": 1})
    assert response.status_code == 403
    assert response.json()["status"] == 403


def operator_writer(engine: Engine) -> str:
    with engine.begin() as connection:
        principal = create_principal(connection, "operator writer", can_write=True)
        return issue_access_token(load_keys(connection, None), principal, timedelta(hours=1))[0]


def test_bad_factor_input_opens_no_write_transaction(
    api: TestClient, demo_engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before the write transaction: on SQLite that would take the write lock."""
    opened: list[Turn] = []
    real_writing = Turn.writing

    def writing(turn: Turn) -> AbstractContextManager[Connection]:
        opened.append(turn)
        return real_writing(turn)

    monkeypatch.setattr(Turn, "writing", writing)
    unknown = {"LicenseFactors": {"Managed Faxes": True}}
    known = {"LicenseFactors": {"Managed Service Numbers": False}}
    operator, partner, customer = (
        operator_writer(demo_engine),
        world.partner_a_writer,
        world.customer_a_writer,
    )
    other_partner = {"partnerId": world.b.partner_id}
    refused = [
        (f"{BASE}/licenseFactors", unknown, partner, 400),
        ("/api/v3/licenseFactors", unknown, partner, 400),
        ("/api/v3/licenseFactors", known, operator, 400),  # names no partner
        ("/api/v3/licenseFactors", known, customer, 403),
        ("/api/v3/licenseFactors", known | other_partner, partner, 403),
    ]
    for path, body, token, status in refused:
        response = api.put(path, json=body, headers=world.headers(token))
        assert response.status_code == status, (path, body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert opened == []
    accepted = api.put(
        "/api/v3/licenseFactors", json=known | other_partner, headers=world.headers(operator)
    )
    assert accepted.status_code == 200
    assert len(opened) == 1
