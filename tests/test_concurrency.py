"""Many clients at once on the embedded store: SQLite has one writer, and requests that read
then write must wait for it rather than fail."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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
