"""The demo ledger served by the real app, with a token for each kind of principal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.auth.world import World, build_world
from tests.conftest import ClientFactory


@pytest.fixture
def world(demo_engine: Engine) -> World:
    return build_world(demo_engine)


@pytest.fixture
def api(make_client: ClientFactory, demo_url: str, world: World) -> Iterator[TestClient]:
    """The demo, called as the operator unless a test passes other headers."""
    with make_client(demo_url) as client:
        client.headers["Authorization"] = f"Bearer {world.operator}"
        yield client
