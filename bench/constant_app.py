"""licensehub's own app with two bench-only routes per vendor prefix, both answering a constant
body of a requested size. The constant route is the point lookups' baseline: everything else —
the uvicorn server, the middleware, token checking and tenant scoping — is the product's, so the
gap between a lookup and its baseline is what the lookup itself costs (ledger transaction,
queries, models, JSON). The floor route also takes a GUID from its path, as the lookups do, and
runs `SELECT 1` in a read transaction of its own: what any lookup pays before its first query.

Served like `licensehub serve` runs the product: `python -m bench.constant_app --port N`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

import click
import uvicorn
from fastapi import APIRouter, FastAPI, Path
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy import text
from starlette.routing import BaseRoute

from licensehub.app import create_app
from licensehub.auth.scope import Scoped
from licensehub.kit.dependencies import LookupTurn
from licensehub.kit.logging import configure as configure_logging
from licensehub.settings import Settings

# Under each vendor's prefix, so that the prefix-bound middleware (Partner Center's tracking
# headers, the vendor's error style) applies to the baseline as to the lookup beside it.
CONSTANT_PATHS = {
    "/v1/customers/{customer_id}/users/{user_id}/licenses": "/v1/bench-constant/{size}",
    "/v1/customers/{customer_id}/subscribedskus": "/v1/bench-constant-skus/{size}",
    "/api/v3/customer/{customerGuid}/licenseinfo": "/api/v3/bench-constant/{size}",
    "/v6/Organizations/{organizationId}/LicensingInformation": "/v6/bench-constant/{size}",
}
FLOOR_PATHS = {
    real: constant.replace("bench-constant", "bench-floor") + "/{guid}"
    for real, constant in CONSTANT_PATHS.items()
}
MAX_SIZE = 10_000_000
Size = Annotated[int, Path(ge=0, le=MAX_SIZE, description="Body bytes.")]

bodies: dict[int, bytes] = {}


def constant_body(size: int) -> bytes:
    """A JSON document of exactly `size` bytes (at least the smallest such document)."""
    if size not in bodies:
        shell = b'{"padding":""}'
        bodies[size] = shell[:-2] + b"x" * max(size - len(shell), 0) + shell[-2:]
    return bodies[size]


def constant(scope: Scoped, size: Size) -> Response:
    # A plain `def`, as every lookup endpoint is: it pays the same hop to the thread pool.
    return Response(constant_body(size), media_type="application/json")


def floor(scope: Scoped, turn: LookupTurn, size: Size, guid: uuid.UUID) -> Response:
    with turn.reading() as ledger:
        ledger.execute(text("SELECT 1")).scalar_one()
    return Response(constant_body(size), media_type="application/json")


def serves(route: BaseRoute, path: str) -> bool:
    if isinstance(route, APIRoute):
        return route.path == path
    # FastAPI keeps an included router whole (its `original_router`) rather than copying
    # its routes into the app's list.
    included = getattr(route, "original_router", None)
    return included is not None and any(serves(inner, path) for inner in included.routes)


def place_before(
    app: FastAPI, real_path: str, path: str, endpoint: Callable[..., Response]
) -> None:
    """Add a bench route just before the router of the real one: routes are tried in order,
    so both walk the same routers before reaching their own."""
    router = APIRouter()
    router.add_api_route(path, endpoint, methods=["GET"], include_in_schema=False)
    app.include_router(router)
    routes = app.router.routes
    added = routes.pop()
    index = next(i for i, route in enumerate(routes) if serves(route, real_path))
    routes.insert(index, added)


def create_bench_app(settings: Settings | None = None) -> FastAPI:
    app = create_app(settings)
    for real_path, constant_path in CONSTANT_PATHS.items():
        place_before(app, real_path, constant_path, constant)
        place_before(app, real_path, FLOOR_PATHS[real_path], floor)
    return app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
def main(host: str, port: int) -> None:
    """What `licensehub serve` does for a migrated ledger, with the bench's app."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(
        create_bench_app(settings),
        host=host,
        port=port,
        proxy_headers=False,
        access_log=False,
        log_config=None,
    )


if __name__ == "__main__":
    main()
