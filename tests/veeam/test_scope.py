"""The scope cases of scope_cases.py, run here as tests/auth/test_scope.py runs its own (a
plain client of the demo, the real clock), on the app with the organization routes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from licensehub.veeam import organizations
from tests.auth.world import World
from tests.veeam.scope_cases import VEEAM_SCOPE_CASES
from tests.veeam.serving import veeam_app


@pytest.fixture
def scoped_client(demo_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(veeam_app(demo_url, tmp_path)) as client:
        yield client


def test_every_organization_route_has_a_scope_case() -> None:
    declared = {
        (method, route.path)
        for route in organizations.router.routes
        for method in getattr(route, "methods", ())
    }
    assert declared == set(VEEAM_SCOPE_CASES)


@pytest.mark.parametrize("case", list(VEEAM_SCOPE_CASES), ids=lambda case: " ".join(case))
def test_scope(scoped_client: TestClient, world: World, case: tuple[str, str]) -> None:
    VEEAM_SCOPE_CASES[case](scoped_client, world)
