"""GET /v6/LicensedUsers on the demo, on both stores: pages that walk every user in use once,
absolute next links, the license states, the filters and the bad parameters."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.auth.world import World
from tests.veeam.serving import ALPINE, HUMONGOUS, LAMNA, WOODGROVE

# Users in use per organization: licensedUsers + newUsers of each.
IN_USE = {WOODGROVE: 100, HUMONGOUS: 250, LAMNA: 280, ALPINE: 15}


def walk(api: TestClient, limit: int, **params: object) -> list[dict[str, Any]]:
    """Every page from the first, by the next links; each page checked on the way."""
    response = api.get("/v6/LicensedUsers", params={"limit": limit, **params})
    seen: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["offset"], page["limit"]) == (len(seen), limit)
        seen.extend(page["results"])
        assert page["_links"]["self"]["href"] == str(response.request.url)
        if "next" not in page["_links"]:
            assert len(seen) == page["totalCount"]
            return seen
        assert len(page["results"]) == limit
        href = page["_links"]["next"]["href"]
        assert href.startswith("http://testserver/v6/LicensedUsers?")
        response = api.get(href)


def test_the_pages_walk_every_user_in_use_once(api: TestClient) -> None:
    users = walk(api, 37)
    assert len(users) == sum(IN_USE.values())
    assert len({(u["organizationId"], u["id"]) for u in users}) == len(users)
    assert Counter(uuid.UUID(u["organizationId"]) for u in users) == IN_USE
    # A stable order: the same walk with other page sizes sees the same sequence.
    assert [u["id"] for u in walk(api, 500)] == [u["id"] for u in users]


def test_license_states_per_organization(api: TestClient) -> None:
    users = walk(api, 10_000)
    found = Counter((uuid.UUID(u["organizationId"]), u["licenseState"]) for u in users)
    assert found == {
        (WOODGROVE, "Licensed"): 100,
        (HUMONGOUS, "Licensed"): 210,
        (HUMONGOUS, "New"): 40,
        (LAMNA, "Licensed"): 250,
        (LAMNA, "Exceeded"): 30,
        (ALPINE, "Licensed"): 15,
    }
    woodgrove = next(u for u in users if u["organizationId"] == str(WOODGROVE))
    assert woodgrove["isBackedUp"] is True
    assert woodgrove["backedUpOrganizationId"] == str(WOODGROVE)
    assert woodgrove["organizationName"] == "woodgrovebank.onmicrosoft.com"
    assert woodgrove["_links"]["organization"]["href"] == (
        f"http://testserver/v6/Organizations/{WOODGROVE}"
    )


def test_one_organizations_users(api: TestClient) -> None:
    for guid, count in IN_USE.items():
        users = walk(api, 64, organizationId=str(guid).upper())
        assert len(users) == count
        assert {u["organizationId"] for u in users} == {str(guid)}


def test_the_defaults_and_a_page_past_the_end(api: TestClient) -> None:
    first = api.get("/v6/LicensedUsers").json()
    assert (first["offset"], first["limit"], len(first["results"])) == (0, 30, 30)
    assert first["_links"]["next"]["href"].endswith("offset=30&limit=30")
    past = api.get("/v6/LicensedUsers", params={"offset": 5000}).json()
    assert past["results"] == []
    assert past["totalCount"] == sum(IN_USE.values())
    assert set(past["_links"]) == {"self"}


def test_users_by_name_whatever_the_case(api: TestClient) -> None:
    someone = api.get("/v6/LicensedUsers", params={"organizationId": str(WOODGROVE)}).json()
    name = someone["results"][0]["name"]
    found = api.get("/v6/LicensedUsers", params={"name": name.swapcase()}).json()
    assert found["totalCount"] >= 1
    assert {u["name"] for u in found["results"]} == {name}
    assert api.get("/v6/LicensedUsers", params={"name": "nobody"}).json()["totalCount"] == 0


def test_an_unknown_organization_is_404(api: TestClient, world: World) -> None:
    response = api.get("/v6/LicensedUsers", params={"organizationId": str(world.missing)})
    assert response.status_code == 404
    assert response.json() == {"message": f"Organization with ID {world.missing} was not found."}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("offset", "-1"),
        ("offset", "first"),
        ("limit", "0"),
        ("limit", "10001"),
        ("limit", "1.5"),
        ("organizationId", "not-a-guid"),
    ],
)
def test_bad_parameters_are_400(api: TestClient, name: str, value: str) -> None:
    response = api.get("/v6/LicensedUsers", params={name: value})
    assert response.status_code == 400
    assert set(response.json()) == {"message"}
    assert name in response.json()["message"]


def test_the_largest_page(api: TestClient) -> None:
    page = api.get("/v6/LicensedUsers", params={"limit": 10_000}).json()
    assert (page["limit"], len(page["results"])) == (10_000, sum(IN_USE.values()))
