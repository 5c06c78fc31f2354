"""Requests made while a test holds every permit of one of the app's turns at the pool
(app.state.database_slots or app.state.lookup_slots: kit/pool_turns.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import httpx
from fastapi.testclient import TestClient

from tests.shared import asgi_client

Meanwhile = Callable[[httpx.AsyncClient], Awaitable[None]]


def answer_while_all_taken(
    client: TestClient, held: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    """The app's answer to GET `path` while every permit of app.state.<held> is taken: for
    requests that must be answered without one."""
    app = client.app
    semaphore: anyio.Semaphore = getattr(app.state, held)  # type: ignore[attr-defined]

    async def scenario() -> httpx.Response:
        permits = semaphore.value
        for _ in range(permits):
            await semaphore.acquire()
        try:
            async with asgi_client(app, headers) as asgi:
                with anyio.fail_after(30):
                    return await asgi.get(path)
        finally:
            for _ in range(permits):
                semaphore.release()

    return client.portal.call(scenario)  # type: ignore[union-attr]


def answer_once_queued(
    client: TestClient,
    held: str,
    path: str,
    headers: dict[str, str],
    meanwhile: Meanwhile | None = None,
) -> httpx.Response:
    """The app's answer to GET `path`, asked while every permit of app.state.<held> is taken:
    once the request waits for a permit, `meanwhile` runs (other requests, say), the test
    checks that the request is still unanswered, and frees the permits."""
    app = client.app
    semaphore: anyio.Semaphore = getattr(app.state, held)  # type: ignore[attr-defined]
    answers: dict[str, httpx.Response] = {}

    async def scenario() -> None:
        permits = semaphore.value
        async with asgi_client(app, headers) as asgi:

            async def ask() -> None:
                answers["queued"] = await asgi.get(path)

            with anyio.fail_after(30):
                async with anyio.create_task_group() as tasks:
                    for _ in range(permits):
                        await semaphore.acquire()
                    try:
                        tasks.start_soon(ask)
                        while semaphore.statistics().tasks_waiting == 0:
                            await anyio.sleep(0.01)
                        if meanwhile is not None:
                            await meanwhile(asgi)
                        assert "queued" not in answers, f"{path} was answered without a permit"
                    finally:
                        for _ in range(permits):
                            semaphore.release()

    client.portal.call(scenario)  # type: ignore[union-attr]
    return answers["queued"]
