"""POST /imports/{kind}: uploads streamed to disk off the event loop, and never left there."""

from __future__ import annotations

import asyncio
import gc
import json
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from licensehub.importers.router import CHUNK, save_stream
from tests.auth.world import World, build_world
from tests.conftest import ClientFactory
from tests.importers.test_usage import usage_rows

UPLOAD_LIMIT = 8192


@pytest.mark.parametrize(
    "sizes",
    [
        [],
        [0],
        [10],
        [CHUNK],
        [CHUNK - 1, 1, 1],
        [64 * 1024] * 40 + [17],
        [3 * CHUNK + 5, 3],
    ],
    ids=["nothing", "empty-chunk", "small", "one-chunk", "across-a-chunk", "many", "one-large"],
)
def test_a_stream_is_saved_whole(tmp_path: Path, sizes: list[int]) -> None:
    pieces = [bytes([index % 251]) * size for index, size in enumerate(sizes)]

    async def chunks() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    target = tmp_path / "body"
    written = anyio.run(save_stream, chunks(), target)
    assert written == sum(sizes)
    assert target.read_bytes() == b"".join(pieces)


@pytest.fixture
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the app puts an upload while it is imported."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def world(demo_engine: Engine) -> World:
    return build_world(demo_engine)


@pytest.fixture
def api(make_client: ClientFactory, demo_url: str, world: World) -> Iterator[TestClient]:
    with make_client(demo_url, max_upload_bytes=UPLOAD_LIMIT) as client:
        client.headers["Authorization"] = f"Bearer {world.partner_a_writer}"
        yield client


def usage_file(tenants: int) -> bytes:
    return json.dumps({"Value": usage_rows([str(uuid.uuid4()) for _ in range(tenants)])}).encode()


def test_no_upload_is_left_on_disk_whatever_its_outcome(
    api: TestClient, world: World, uploads: Path
) -> None:
    url = f"/imports/usage?partner={world.a.partner_id}"
    body = usage_file(tenants=1)
    assert len(body) <= UPLOAD_LIMIT

    landed = api.post(url, content=body)
    assert landed.status_code == 201, landed.text
    as_part = api.post(url, files=[("file", ("usage.json", body, "application/json"))])
    assert as_part.status_code == 201, as_part.text
    assert as_part.json()["sameAs"] == landed.json()["id"]
    invalid = api.post(url, content=b'{"Value": [{"x": 1}]}')
    assert invalid.status_code == 400, invalid.text
    too_large = api.post(url, content=iter([usage_file(tenants=20)]))
    assert too_large.status_code == 413, too_large.text

    assert list(uploads.iterdir()) == []


def in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_the_served_app_keeps_its_heap_frozen_through_imports(
    make_client: ClientFactory, demo_url: str, world: World
) -> None:
    """The app holds its start-up heap out of the collector's way for its whole life
    (kit/frozen_heap.py); an import landing or failing meanwhile must not give it back."""
    assert gc.get_freeze_count() == 0, "something else holds the heap frozen"
    with make_client(demo_url) as api:
        api.headers["Authorization"] = f"Bearer {world.partner_a_writer}"
        assert gc.get_freeze_count() > 0
        landed = api.post(f"/imports/usage?partner={world.a.partner_id}", content=usage_file(1))
        refused = api.post(f"/imports/usage?partner={world.a.partner_id}", content=b"{")
        assert (landed.status_code, refused.status_code) == (201, 400)
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_an_import_never_waits_on_the_database_in_the_event_loop(
    api: TestClient, world: World
) -> None:
    engine: Engine = api.app.state.engine  # type: ignore[attr-defined]
    checkouts: list[bool] = []

    def checked_out(*_: object) -> None:
        checkouts.append(in_event_loop())

    event.listen(engine, "checkout", checked_out)
    try:
        landed = api.post(f"/imports/usage?partner={world.a.partner_id}", content=usage_file(1))
        refused = api.post(f"/imports/usage?partner={world.a.partner_id}", content=b"{")
    finally:
        event.remove(engine, "checkout", checked_out)
    assert (landed.status_code, refused.status_code) == (201, 400)
    assert checkouts, "the import took no connection: the listener saw nothing"
    assert not any(checkouts), "a connection was taken in the event loop's thread"


def test_a_slow_upload_holds_no_turn_at_the_database(api: TestClient, world: World) -> None:
    """Until the upload is on disk the import needs no connection: a client sending slowly
    must not keep others from the ledger. With one slot, a read goes through mid-upload."""
    app = api.app
    body = usage_file(tenants=1)
    middle = len(body) // 2
    answers: dict[str, httpx.Response] = {}

    async def scenario() -> None:
        app.state.database_slots = anyio.Semaphore(1)  # type: ignore[attr-defined]
        half_sent, go_on = anyio.Event(), anyio.Event()

        async def slowly() -> AsyncIterator[bytes]:
            yield body[:middle]
            half_sent.set()
            await go_on.wait()
            yield body[middle:]

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
            base_url="http://testserver",
            headers=api.headers,
        ) as client:

            async def upload() -> None:
                url = f"/imports/usage?partner={world.a.partner_id}"
                answers["upload"] = await client.post(url, content=slowly())

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(upload)
                await half_sent.wait()
                try:
                    with anyio.move_on_after(5):
                        answers["read"] = await client.get("/imports")
                finally:
                    go_on.set()

    api.portal.call(scenario)  # type: ignore[union-attr]
    assert "read" in answers, "the read waited on the upload's turn at the database"
    assert answers["read"].status_code == 200, answers["read"].text
    assert answers["upload"].status_code == 201, answers["upload"].text
