"""Every route of the app is authenticated and tenant-scoped, or says why not.

A new route that neither depends on the tenant scope nor carries an explicit exemption fails
here; so does a scoped route that has no scope case in test_scope.py."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from licensehub.app import ROUTERS
from licensehub.auth.scope import ACCESS_MARK, authenticate, tenant_scope
from tests.auth.test_scope import SCOPE_CASES

# FastAPI's own pages: the OpenAPI document and the interactive docs need no token.
DOCUMENT_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def routes() -> list[APIRoute]:
    return [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


def calls(dependant: Dependant) -> Iterator[object]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from calls(dependency)


def access(route: APIRoute) -> str:
    mark = getattr(route.endpoint, ACCESS_MARK, None)
    if mark is not None:
        return str(mark[0])
    found = set(calls(route.dependant))
    if tenant_scope in found:
        return "scoped"
    if authenticate in found:
        return "authenticated"  # neither scoped nor exempt: the walk below refuses it
    return "open"


def route_ids() -> list[str]:
    return [f"{sorted(r.methods)[0]} {r.path}" for r in routes()]


def test_the_walk_sees_every_route_of_the_app(client: TestClient) -> None:
    walked = {(method, route.path) for route in routes() for method in route.methods}
    document = client.get("/openapi.json").json()["paths"]
    published = {(method.upper(), path) for path, ops in document.items() for method in ops}
    assert published <= walked
    # Routes added to the app itself rather than through ROUTERS: FastAPI's pages only.
    app_routes = client.app.routes  # type: ignore[attr-defined]
    served = {route.path for route in app_routes if isinstance(route, Route)}
    assert served - {path for _, path in walked} <= DOCUMENT_PATHS


@pytest.mark.parametrize("route", routes(), ids=route_ids())
def test_every_route_is_scoped_or_says_why_not(route: APIRoute) -> None:
    kind = access(route)
    assert kind in ("scoped", "public", "unscoped"), (
        f"{route.path} must depend on the tenant scope (Scoped) or be marked "
        "@public / @unscoped with a reason"
    )
    if kind == "unscoped":
        assert authenticate in set(calls(route.dependant)), f"{route.path} skips authentication"
    if kind == "public":
        assert authenticate not in set(calls(route.dependant))


@pytest.mark.parametrize(
    "route", [r for r in routes() if access(r) == "scoped"], ids=lambda r: r.path
)
def test_every_scoped_route_has_a_scope_case(route: APIRoute) -> None:
    for method in route.methods:
        assert (method, route.path) in SCOPE_CASES, f"add a scope case for {method} {route.path}"


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "92460656-7a85-4a04-b1af-1ea903c0bc2e", path)


@pytest.mark.parametrize(
    "route", [r for r in routes() if access(r) != "public"], ids=lambda r: r.path
)
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer not-a-token",
        "Basic YWRtaW46bGljZW5zZWh1Yi1kZW1v",
        # alg "none": an unsigned token claiming to be an operator
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJsaWNlbnNlaHViIiwiYXVkIjoibGljZW5z"
        "ZWh1Yi1hcGkiLCJzdWIiOiIxIiwia2luZCI6Im9wZXJhdG9yIiwic2NvcGUiOiJyZWFkIHdyaXRlIiwiaWF0Ij"
        "oxNzAwMDAwMDAwLCJleHAiOjQxMDAwMDAwMDB9.",
    ],
    ids=["no-header", "empty-bearer", "garbage", "basic", "alg-none"],
)
def test_every_route_answers_401_without_a_valid_token(
    client: TestClient, route: APIRoute, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for method in route.methods:
        response = client.request(method, concrete(route.path), headers=headers)
        assert response.status_code == 401, (method, route.path, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
