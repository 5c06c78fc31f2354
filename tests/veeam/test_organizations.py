"""GET /v6/Organizations, /v6/Organizations/{organizationId} and its LicensingInformation on
the demo, on both stores: the page's example, the 31-day window, New users, the limit and the
grace, with the clock moved where the rules turn."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from licensehub.ledger.tables import backup_organizations, backup_protected_users
from tests.auth.world import World
from tests.veeam.serving import (
    ALPINE,
    DEMO_NOON,
    HUMONGOUS,
    LAMNA,
    WOODGROVE,
    Clock,
    check_schema,
    veeam_app,
)

SECOND = timedelta(seconds=1)


def licensing(api: TestClient, guid: uuid.UUID | str) -> Any:
    response = api.get(f"/v6/Organizations/{guid}/LicensingInformation")
    assert response.status_code == 200, response.text
    return response.json()


def org_row(api: TestClient, guid: uuid.UUID) -> Any:
    with api.app.state.engine.connect() as connection:  # type: ignore[attr-defined]
        return connection.execute(
            select(backup_organizations).where(backup_organizations.c.organization_id == guid)
        ).one()


def set_org(api: TestClient, guid: uuid.UUID, **values: Any) -> None:
    with api.app.state.engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(
            update(backup_organizations)
            .where(backup_organizations.c.organization_id == guid)
            .values(**values)
        )


def users_of(api: TestClient, guid: uuid.UUID) -> list[Any]:
    with api.app.state.engine.connect() as connection:  # type: ignore[attr-defined]
        return list(
            connection.execute(
                select(backup_protected_users)
                .where(backup_protected_users.c.organization_id == org_row(api, guid).id)
                .order_by(backup_protected_users.c.id)
            )
        )


def set_user(api: TestClient, row_id: int, **values: Any) -> None:
    with api.app.state.engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(
            update(backup_protected_users)
            .where(backup_protected_users.c.id == row_id)
            .values(**values)
        )


def states(api: TestClient, guid: uuid.UUID) -> dict[str, str]:
    body = api.get("/v6/LicensedUsers", params={"organizationId": str(guid), "limit": 10_000})
    return {user["id"]: user["licenseState"] for user in body.json()["results"]}


def test_the_pages_example(api: TestClient) -> None:
    response = api.get(f"/v6/Organizations/{WOODGROVE}/LicensingInformation")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"  # as the page
    assert response.json() == {"licensedUsers": 100, "newUsers": 0}
    # However a client spells the path and the GUID.
    assert licensing(api, str(WOODGROVE).upper()) == {"licensedUsers": 100, "newUsers": 0}
    lowered = api.get(f"/v6/organizations/{WOODGROVE}/licensinginformation")
    assert lowered.json() == {"licensedUsers": 100, "newUsers": 0}


def test_a_user_last_backed_up_exactly_31_days_ago_no_longer_counts(
    api: TestClient, clock: Clock
) -> None:
    recent = [
        u for u in users_of(api, WOODGROVE) if u.last_backup_time > DEMO_NOON - timedelta(days=3)
    ]
    set_user(api, recent[0].id, last_backup_time=DEMO_NOON - timedelta(days=31))
    assert licensing(api, WOODGROVE)["licensedUsers"] == 99
    clock.moment = DEMO_NOON - SECOND  # the same backup, one second inside the window
    assert licensing(api, WOODGROVE)["licensedUsers"] == 100


def test_every_user_leaves_the_window_31_days_after_its_last_backup(
    api: TestClient, clock: Clock
) -> None:
    latest = max(u.last_backup_time for u in users_of(api, WOODGROVE))
    clock.moment = latest + timedelta(days=31) - SECOND
    assert licensing(api, WOODGROVE)["licensedUsers"] == 1
    clock.moment = latest + timedelta(days=31)
    assert licensing(api, WOODGROVE) == {"licensedUsers": 0, "newUsers": 0}


def test_rental_users_first_backed_up_in_the_period_are_new(api: TestClient) -> None:
    # Humongous Insurance: 250 users in use, 40 of them first processed in this period.
    assert licensing(api, HUMONGOUS) == {"licensedUsers": 210, "newUsers": 40}
    assert sorted(states(api, HUMONGOUS).values()).count("New") == 40
    # A new billing period: last period's new users now consume licenses.
    set_org(api, HUMONGOUS, period_started_at=DEMO_NOON - timedelta(hours=12))
    assert licensing(api, HUMONGOUS) == {"licensedUsers": 250, "newUsers": 0}


def test_a_subscription_has_no_new_users(api: TestClient) -> None:
    set_org(api, HUMONGOUS, license_type="Subscription")
    assert licensing(api, HUMONGOUS) == {"licensedUsers": 250, "newUsers": 0}
    assert set(states(api, HUMONGOUS).values()) == {"Licensed"}


def test_users_past_the_limit_still_count(api: TestClient) -> None:
    # Lamna Healthcare: 280 users in use for 250 licenses, none of the extra ones recent.
    assert licensing(api, LAMNA) == {"licensedUsers": 280, "newUsers": 0}
    found = list(states(api, LAMNA).values())
    assert (found.count("Licensed"), found.count("Exceeded")) == (250, 30)


def test_the_grace_of_a_user_past_the_limit_and_its_end(api: TestClient, clock: Clock) -> None:
    # Alpine Ski House: 15 users in use. One took its license 10 days ago, and the limit is 14.
    late = next(
        u for u in users_of(api, ALPINE) if u.last_backup_time > DEMO_NOON - timedelta(days=3)
    )
    taken = DEMO_NOON - timedelta(days=10)
    set_user(api, late.id, first_backup_time=taken)
    set_org(api, ALPINE, licensed_users_limit=14)
    assert states(api, ALPINE)[str(late.backup_user_id)] == "TemporarilyAssigned"
    clock.moment = taken + timedelta(days=30) - SECOND
    assert states(api, ALPINE)[str(late.backup_user_id)] == "TemporarilyAssigned"
    clock.moment = taken + timedelta(days=30)
    found = states(api, ALPINE)
    assert found[str(late.backup_user_id)] == "Exceeded"
    assert list(found.values()).count("Licensed") == 14
    assert licensing(api, ALPINE) == {"licensedUsers": 15, "newUsers": 0}
    # A license freed by someone else goes to it.
    set_org(api, ALPINE, licensed_users_limit=15)
    assert states(api, ALPINE)[str(late.backup_user_id)] == "Licensed"


def test_the_organizations_the_ledger_knows(api: TestClient) -> None:
    body = api.get("/v6/Organizations").json()
    assert {uuid.UUID(org["id"]) for org in body} == {WOODGROVE, HUMONGOUS, LAMNA, ALPINE}
    woodgrove = next(org for org in body if org["id"] == str(WOODGROVE))
    row = org_row(api, WOODGROVE)
    assert woodgrove["name"] == row.name
    assert woodgrove["officeName"] == row.office_name
    assert woodgrove["type"] == "Office365"
    assert woodgrove["isBackedup"] is True
    assert woodgrove["lastBackuptime"].endswith("Z")
    assert api.get(f"/v6/Organizations/{WOODGROVE}").json() == woodgrove
    assert api.get("/v6/Organizations", params={"extendedView": "false"}).json() == body


def test_an_organizations_links_are_absolute_and_lead_to_it(api: TestClient) -> None:
    links = api.get(f"/v6/Organizations/{WOODGROVE}").json()["_links"]
    base = f"http://testserver/v6/Organizations/{WOODGROVE}"
    assert links["self"]["href"] == base
    assert links["licensingInformation"]["href"] == base + "/LicensingInformation"
    assert api.get(links["licensingInformation"]["href"]).json()["licensedUsers"] == 100
    users = api.get(links["licensedUsers"]["href"]).json()
    assert users["totalCount"] == 100
    assert {user["organizationId"] for user in users["results"]} == {str(WOODGROVE)}


def test_links_follow_a_trusted_proxy(
    demo_url: str, tmp_path: Path, world: World, clock: Clock
) -> None:
    app = veeam_app(demo_url, tmp_path, forwarded_allow_ips=["*"])
    headers = world.headers(world.operator) | {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "backup.example.com:4443",
    }
    with TestClient(app) as client:
        client.event_hooks = {"request": [], "response": [check_schema]}
        org = client.get(f"/v6/Organizations/{WOODGROVE}", headers=headers).json()
        page = client.get("/v6/LicensedUsers", params={"limit": 1}, headers=headers).json()
    assert org["_links"]["self"]["href"] == (
        f"https://backup.example.com:4443/v6/Organizations/{WOODGROVE}"
    )
    assert page["_links"]["next"]["href"].startswith("https://backup.example.com:4443/v6/")


@pytest.mark.parametrize(
    "path",
    [
        "/v6/Organizations/{guid}",
        "/v6/Organizations/{guid}/LicensingInformation",
    ],
)
def test_unknown_and_malformed_organizations(api: TestClient, world: World, path: str) -> None:
    missing = api.get(path.format(guid=world.missing))
    assert missing.status_code == 404
    assert missing.json() == {"message": f"Organization with ID {world.missing} was not found."}
    malformed = api.get(path.format(guid="not-a-guid"))
    assert malformed.status_code == 400
    assert set(malformed.json()) == {"message"}
    assert "organizationId" in malformed.json()["message"]


def test_extended_view_must_be_a_boolean(api: TestClient) -> None:
    response = api.get("/v6/Organizations", params={"extendedView": "perhaps"})
    assert response.status_code == 400
    assert "extendedView" in response.json()["message"]


def test_a_token_is_required(api: TestClient) -> None:
    response = api.get(f"/v6/Organizations/{WOODGROVE}", headers={"Authorization": ""})
    assert response.status_code == 401
    assert set(response.json()) == {"message"}
