"""licensehub's own app with bench-only routes beside the endpoints the bench drives, each
answering a constant body of a requested size. The constant route is the point lookups'
baseline: everything else — the uvicorn server, the middleware, token checking and tenant
scoping — is the product's, so the gap between a lookup and its baseline is what the lookup
itself costs (ledger transaction, queries, models, JSON). The floor route also takes a GUID from
its path, as the lookups do, and runs `SELECT 1` in a read transaction of its own: what any
lookup pays before its first query.
The replay route, beside each lookup and the usage analytics, takes the endpoint's own
parameters and sends the SQL it sent for the same request (replay_routes.py).

Served like `licensehub serve` runs the product: `python -m bench.constant_app --port N`.
"""

from __future__ import annotations

import uuid

import click
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import text

from bench.constant_body import Size, constant_body
from bench.endpoint_paths import (
    LICENSE_INFO,
    LICENSING_INFORMATION,
    SUBSCRIBED_SKUS,
    USAGE_ANALYTICS,
    USER_LICENSES,
)
from bench.replay_routes import CORE_MARK, REPLAY_ENDPOINTS, Endpoint, replay_path
from licensehub.app import create_app
from licensehub.auth.scope import Scoped
from licensehub.kit.dependencies import Turn, looked_up
from licensehub.kit.logging import configure as configure_logging
from licensehub.settings import Settings

# Under each vendor's prefix, so that the prefix-bound middleware (Partner Center's tracking
# headers, the vendor's error style) applies to the baseline as to the lookup beside it.
VENDOR_PREFIXES = {
    USER_LICENSES: "/v1",
    SUBSCRIBED_SKUS: "/v1",
    LICENSE_INFO: "/api/v3",
    LICENSING_INFORMATION: "/v6",
    USAGE_ANALYTICS: "/partner/v1",
}
CONSTANT_PATHS = {
    USER_LICENSES: "/v1/bench-constant/{size}",
    SUBSCRIBED_SKUS: "/v1/bench-constant-skus/{size}",
    LICENSE_INFO: "/api/v3/bench-constant/{size}",
    LICENSING_INFORMATION: "/v6/bench-constant/{size}",
}
FLOOR_PATHS = {
    real: constant.replace("bench-constant", "bench-floor") + "/{guid}"
    for real, constant in CONSTANT_PATHS.items()
}
REPLAY_PATHS = {real: replay_path(real, prefix) for real, prefix in VENDOR_PREFIXES.items()}
CORE_REPLAY_PATHS = {
    real: replay_path(real, prefix, CORE_MARK) for real, prefix in VENDOR_PREFIXES.items()
}


def constant(scope: Scoped, size: Size) -> Response:
    # A plain `def`: it pays the one trip to the thread pool that every lookup takes
    # (kit/dependencies.looked_up).
    return Response(constant_body(size), media_type="application/json")


async def floor(request: Request, scope: Scoped, size: Size, guid: uuid.UUID) -> Response:
    # Its lane and its thread as the lookups take them (kit/dependencies.looked_up).
    return await looked_up(request, select_one, size)


def select_one(turn: Turn, size: int) -> Response:
    with turn.reading() as ledger:
        ledger.execute(text("SELECT 1")).scalar_one()
    return Response(constant_body(size), media_type="application/json")


def place_before(app: FastAPI, real_path: str, path: str, endpoint: Endpoint) -> None:
    """Add a bench route to the app's own list (where the product's are, kit/flat_routes.py)
    just before the real one: routes are tried in order, so the bench route walks what the
    real one walks, and the real one walks only the bench routes of its own endpoint and of
    those before it (half a microsecond each)."""
    app.router.add_api_route(path, endpoint, methods=["GET"], include_in_schema=False)
    routes = app.router.routes
    added = routes.pop()
    index = next(i for i, route in enumerate(routes) if getattr(route, "path", None) == real_path)
    routes.insert(index, added)


def create_bench_app(settings: Settings | None = None) -> FastAPI:
    app = create_app(settings)
    for real_path, constant_path in CONSTANT_PATHS.items():
        place_before(app, real_path, constant_path, constant)
        place_before(app, real_path, FLOOR_PATHS[real_path], floor)
    for real_path, replay in REPLAY_PATHS.items():
        place_before(app, real_path, replay, REPLAY_ENDPOINTS[real_path])
        place_before(app, real_path, CORE_REPLAY_PATHS[real_path], REPLAY_ENDPOINTS[real_path])
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
