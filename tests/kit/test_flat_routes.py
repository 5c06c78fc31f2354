"""A router's routes added to the app's own list serve and document exactly as included ones."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from licensehub.app import create_app
from licensehub.kit.flat_routes import include_flat
from licensehub.settings import Settings


class ThingJSON(JSONResponse):
    media_type = "application/vnd.thing+json"


class Problem(BaseModel):
    detail: str


class Thing(BaseModel):
    name: str
    size: int


def caller(x_caller: Annotated[str, Header()] = "nobody") -> str:
    return x_caller


def audited() -> None:
    pass


def make_router() -> APIRouter:
    router = APIRouter(
        tags=["things"],
        responses={404: {"model": Problem}},
        dependencies=[Depends(audited)],
        default_response_class=ThingJSON,
    )

    @router.get("/things/{name}", summary="One thing", status_code=203)
    def thing(name: str, who: Annotated[str, Depends(caller)]) -> Thing:
        """A thing, sized by who asks."""
        return Thing(name=name, size=len(who))

    @router.post("/things", include_in_schema=False, response_model=None)
    def add_thing(thing: Thing) -> dict[str, Any]:
        return {"added": thing.name}

    return router


def app_with(include: Any) -> FastAPI:
    app = FastAPI()
    include(app, make_router())
    return app


def included(app: FastAPI, router: APIRouter) -> None:
    app.include_router(router)


def test_flat_routes_document_as_included_ones() -> None:
    assert app_with(include_flat).openapi() == app_with(included).openapi()


def test_flat_routes_answer_as_included_ones() -> None:
    for include in (include_flat, included):
        with TestClient(app_with(include)) as client:
            got = client.get("/things/lamp", headers={"X-Caller": "alice"})
            assert (got.status_code, got.json()) == (203, {"name": "lamp", "size": 5})
            assert got.headers["content-type"] == ThingJSON.media_type
            assert client.post("/things", json={"name": "cup", "size": 1}).json() == {
                "added": "cup"
            }
            assert client.post("/things", json={"name": "cup"}).status_code == 422


def test_flat_routes_take_the_apps_dependency_overrides() -> None:
    app = app_with(include_flat)
    app.dependency_overrides[caller] = lambda: "override"
    with TestClient(app) as client:
        assert client.get("/things/lamp").json()["size"] == len("override")


def test_the_product_matches_its_routes_by_path_alone() -> None:
    # An included router would be matched through FastAPI's include context, route by
    # route: what kit/flat_routes.py is there to avoid.
    app = create_app(Settings(ledger_url="sqlite://"))
    documented = {
        (path, method.upper())
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    in_the_apps_list = {
        (route.path, method)
        for route in app.router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods
    }
    assert documented == in_the_apps_list
