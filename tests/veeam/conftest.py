"""The demo ledger served with the Veeam organization routes, a clock the tests move, and the
principals of tests/auth/world.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from licensehub.kit.clock import now
from tests.auth.world import World, build_world
from tests.veeam.serving import Clock, check_schema, veeam_app


@pytest.fixture
def world(demo_engine: Engine) -> World:
    return build_world(demo_engine)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(demo_url: str, tmp_path: Path, world: World, clock: Clock) -> Iterator[TestClient]:
    """An operator's client; every response it gets is checked against Veeam's document."""
    app = veeam_app(demo_url, tmp_path)
    app.dependency_overrides[now] = clock
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {world.operator}"
        client.event_hooks = {"request": [], "response": [check_schema]}
        yield client
