"""The demo ledger with a clock the tests move, and an operator's token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from licensehub.kit.clock import now
from tests.auth.world import World, build_world
from tests.conftest import ClientFactory

SEED_GUID = "b11a3f8a-9220-457a-938f-cae531f79d67"


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def world(demo_engine: Engine) -> World:
    return build_world(demo_engine)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(
    make_client: ClientFactory, demo_url: str, world: World, clock: Clock
) -> Iterator[TestClient]:
    with make_client(demo_url) as client:
        client.app.dependency_overrides[now] = clock  # type: ignore[attr-defined]
        client.headers["Authorization"] = f"Bearer {world.operator}"
        yield client


Get = Callable[..., list[dict[str, object]]]
