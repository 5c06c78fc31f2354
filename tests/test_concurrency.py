"""Many clients at once on the embedded store: SQLite has one writer, and requests that read
then write must wait for it rather than fail."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from licensehub.kit.clock import now
from licensehub.live_platform import queries as live_platform_queries
from tests.conftest import ClientFactory
from tests.held_permits import answer_once_queued, answer_while_all_taken


def test_parallel_sign_ins_and_recording_reads_all_succeed(
    make_client: ClientFactory, demo_url: str
) -> None:
    with make_client(demo_url) as client:
        client: TestClient  # type: ignore[no-redef]

        def sign_in(_: int) -> int:
            form = {"grant_type": "password", "username": "admin", "password": "licensehub-demo"}
            return client.post("/v6/token", data=form).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(sign_in, range(12)))
        assert statuses == [200] * 12
        token = client.post(
            "/v6/token",
            data={"grant_type": "password", "username": "admin", "password": "licensehub-demo"},
        ).json()["access_token"]
        path = "/api/v3/customer/b11a3f8a-9220-457a-938f-cae531f79d67/licenseinfo"

        def read(_: int) -> int:
            return client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            assert list(pool.map(read, range(40))) == [200] * 40


def test_more_requests_than_connections_do_not_stall(
    make_client: ClientFactory, demo_url: str
) -> None:
    """64 at once, more than the pool's connections: requests wait for a connection on the
    event loop, not in the worker threads that the requests holding one need to finish."""
    with make_client(demo_url) as client:
        client: TestClient  # type: ignore[no-redef]
        form = {"grant_type": "password", "username": "admin", "password": "licensehub-demo"}
        token = client.post("/v6/token", data=form).json()["access_token"]
        paths = [
            "/v1/customers",
            "/v6/Organizations",
            "/imports",
            "/partner/v1/analytics/commercial/usage/license",
        ]

        def read(index: int) -> int:
            path = paths[index % len(paths)]
            return client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code

        with ThreadPoolExecutor(max_workers=64) as pool:
            assert list(pool.map(read, range(256))) == [200] * 256


def demo_token(client: TestClient) -> str:
    form = {"grant_type": "password", "username": "admin", "password": "licensehub-demo"}
    return str(client.post("/v6/token", data=form).json()["access_token"])


VOICE_SERVICE = "b11a3f8a-9220-457a-938f-cae531f79d67"  # one of the demo's
LOOKUPS = {
    "subscribedskus": lambda ids: f"/v1/customers/{ids['customer']}/subscribedskus",
    "licenseinfo": lambda ids: f"/api/v3/customer/{VOICE_SERVICE}/licenseinfo",
    "LicensingInformation": (
        lambda ids: f"/v6/Organizations/{ids['organization']}/LicensingInformation"
    ),
}


def demo_ids(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    """A customer and a Veeam organization, from reads that are not point lookups."""
    customers = client.get("/v1/customers", headers=headers).json()["items"]
    organizations = client.get("/v6/Organizations", headers=headers).json()
    return {"customer": customers[0]["id"], "organization": organizations[0]["id"]}


@pytest.mark.parametrize("lookup", LOOKUPS)
def test_a_point_lookup_waits_for_a_lane_and_other_reads_pass_it(
    make_client: ClientFactory, demo_url: str, lookup: str
) -> None:
    """With every lookup lane taken, a lookup waits on the event loop for one, while a read
    that is not a point lookup goes straight to the ledger; the lookup is answered once a
    lane is free."""
    with make_client(demo_url, lookup_concurrency=1) as client:
        client: TestClient  # type: ignore[no-redef]
        headers = {"Authorization": f"Bearer {demo_token(client)}"}
        path = LOOKUPS[lookup](demo_ids(client, headers))
        others: dict[str, httpx.Response] = {}

        async def other_read(asgi: httpx.AsyncClient) -> None:
            others["customers"] = await asgi.get("/v1/customers")

        answer = answer_once_queued(client, "lookup_slots", path, headers, other_read)
        assert others["customers"].status_code == 200, others["customers"].text
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("lookup", LOOKUPS)
def test_a_lookup_waits_for_no_slot_that_other_requests_hold(
    make_client: ClientFactory, demo_url: str, lookup: str
) -> None:
    """Each lane has a connection of its own: with every shared slot taken (slow analytics,
    imports), a lookup is still answered."""
    moment = datetime.now(UTC)
    with make_client(demo_url) as client:
        client: TestClient  # type: ignore[no-redef]
        client.app.dependency_overrides[now] = lambda: moment  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {demo_token(client)}"}
        path = LOOKUPS[lookup](demo_ids(client, headers))
        # licenseinfo's first request of a day records it: a write, which takes a shared
        # slot. Later ones only read.
        assert client.get(path, headers=headers).status_code == 200
        answer = answer_while_all_taken(client, "database_slots", path, headers)
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("lookup", LOOKUPS)
def test_a_bad_token_is_refused_without_waiting_for_a_lane(
    make_client: ClientFactory, demo_url: str, lookup: str
) -> None:
    """The caller is checked before its lookup waits for a lane: a lane never waits on a
    token's check, and a caller that is refused never waits for a lane."""
    with make_client(demo_url) as client:
        client: TestClient  # type: ignore[no-redef]
        headers = {"Authorization": f"Bearer {demo_token(client)}"}
        path = LOOKUPS[lookup](demo_ids(client, headers))
        refused = {"Authorization": "Bearer not-a-token"}
        answer = answer_while_all_taken(client, "lookup_slots", path, refused)
        assert answer.status_code == 401, answer.text


@pytest.mark.parametrize(
    "path",
    [
        "/v1/customers",
        "/partner/v1/analytics/commercial/usage/license",
        "/v6/Organizations",
        "/audit",
    ],
)
def test_a_bad_token_is_refused_without_waiting_for_a_slot(
    make_client: ClientFactory, demo_url: str, path: str
) -> None:
    """The same for the requests that share the pool's other slots: with every one of them
    taken (slow analytics, imports), a caller that is refused is told at once."""
    with make_client(demo_url) as client:
        refused = {"Authorization": "Bearer not-a-token"}
        answer = answer_while_all_taken(client, "database_slots", path, refused)
        assert answer.status_code == 401, answer.text


def test_license_info_writes_its_record_outside_the_lanes(
    make_client: ClientFactory, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write may wait on SQLite's one write lock: the request that records today's
    license info must not hold a lane meanwhile, or lookups would queue behind it."""
    free_lanes: list[int] = []
    save_record = live_platform_queries.save_record

    def saving(ledger: Connection, record: dict[str, Any]) -> None:
        free_lanes.append(client.app.state.lookup_slots.value)  # type: ignore[attr-defined]
        save_record(ledger, record)

    monkeypatch.setattr(live_platform_queries, "save_record", saving)
    moment = datetime.now(UTC)  # both requests on one day, even across midnight
    with make_client(demo_url, lookup_concurrency=1) as client:
        client: TestClient  # type: ignore[no-redef]
        client.app.dependency_overrides[now] = lambda: moment  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {demo_token(client)}"}
        path = LOOKUPS["licenseinfo"]({})
        first, again = (client.get(path, headers=headers) for _ in range(2))
        assert (first.status_code, again.status_code) == (200, 200), first.text
        assert first.json() == again.json()
    # Today's record was written once, by the first request, with the lane given back.
    assert free_lanes == [1]


def test_a_lookup_that_fails_gives_its_lane_back(make_client: ClientFactory, demo_url: str) -> None:
    with make_client(demo_url, lookup_concurrency=1) as client:
        client: TestClient  # type: ignore[no-redef]
        headers = {"Authorization": f"Bearer {demo_token(client)}"}
        ids = demo_ids(client, headers)
        missing = "00000000-0000-4000-8000-000000000000"
        for path in (
            f"/v1/customers/{missing}/subscribedskus",
            f"/api/v3/customer/{missing}/licenseinfo",
            f"/v6/Organizations/{missing}/LicensingInformation",
        ):
            assert client.get(path, headers=headers).status_code == 404, path
            # Checked before the next lookup, which would wait for ever on a lane not given
            # back.
            assert client.app.state.lookup_slots.value == 1, path  # type: ignore[attr-defined]
        found = client.get(LOOKUPS["subscribedskus"](ids), headers=headers)
        assert found.status_code == 200, found.text
