"""Many clients at once on the embedded store: SQLite has one writer, and requests that read
then write must wait for it rather than fail."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
from fastapi.testclient import TestClient

from tests.conftest import ClientFactory


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


def test_a_point_lookup_waits_for_a_lane_and_other_reads_pass_it(
    make_client: ClientFactory, demo_url: str
) -> None:
    """With every lookup lane taken, a lookup waits on the event loop for one, while a read
    that is not a point lookup goes straight to the ledger; the lookup is answered once a
    lane is free."""
    with make_client(demo_url, lookup_concurrency=1) as client:
        client: TestClient  # type: ignore[no-redef]
        headers = {"Authorization": f"Bearer {demo_token(client)}"}
        customer = client.get("/v1/customers", headers=headers).json()["items"][0]["id"]
        app = client.app
        answers: dict[str, httpx.Response] = {}

        async def scenario() -> None:
            lanes: anyio.Semaphore = app.state.lookup_slots  # type: ignore[attr-defined]
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                base_url="http://testserver",
                headers=headers,
            ) as asgi:

                async def lookup() -> None:
                    path = f"/v1/customers/{customer}/subscribedskus"
                    answers["lookup"] = await asgi.get(path)

                with anyio.fail_after(30):
                    async with anyio.create_task_group() as tasks:
                        await lanes.acquire()
                        try:
                            tasks.start_soon(lookup)
                            while lanes.statistics().tasks_waiting == 0:
                                await anyio.sleep(0.01)
                            answers["other"] = await asgi.get("/v1/customers")
                            assert "lookup" not in answers, "the lookup ran without a lane"
                        finally:
                            lanes.release()

        client.portal.call(scenario)  # type: ignore[union-attr]
        assert answers["other"].status_code == 200, answers["other"].text
        assert answers["lookup"].status_code == 200, answers["lookup"].text


def test_a_lookup_that_fails_gives_its_lane_back(make_client: ClientFactory, demo_url: str) -> None:
    with make_client(demo_url, lookup_concurrency=1) as client:
        client: TestClient  # type: ignore[no-redef]
        headers = {"Authorization": f"Bearer {demo_token(client)}"}
        missing = "/v1/customers/00000000-0000-4000-8000-000000000000/subscribedskus"
        statuses = [client.get(missing, headers=headers).status_code for _ in range(3)]
        assert statuses == [404] * 3
        # Checked before the next lookup, which would wait for ever on a lane not given back.
        assert client.app.state.lookup_slots.value == 1  # type: ignore[attr-defined]
        customer = client.get("/v1/customers", headers=headers).json()["items"][0]["id"]
        found = client.get(f"/v1/customers/{customer}/subscribedskus", headers=headers)
        assert found.status_code == 200, found.text
