"""Routers' routes added to the app's own route list.

FastAPI 0.137 and later keep an included router whole and match its routes through an
include context, one by one: a point lookup took 12-29 us to find its route that way. Added
to the app's own list, as `include_router` did before 0.137, each route is matched by its
path pattern alone (a few microseconds), and it still takes the app's dependency overrides,
because the app's router is what creates it."""

from __future__ import annotations

import inspect

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

# Everything a route was declared with: add_api_route's parameters, each kept on the route
# under its own name. The router's tags, responses and dependencies are in the route already.
ROUTE_SETTINGS = tuple(
    name
    for name in inspect.signature(APIRouter.add_api_route).parameters
    if name not in ("self", "route_class_override")
)


def include_flat(app: FastAPI, router: APIRouter) -> None:
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"only API routes can be flattened, not {route!r}")
        settings = {name: getattr(route, name) for name in ROUTE_SETTINGS}
        app.router.add_api_route(**settings, route_class_override=type(route))
