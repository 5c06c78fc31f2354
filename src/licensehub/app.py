"""create_app(settings): the ASGI application. Nothing connects or reads config at import."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import structlog
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from licensehub import __version__, health, live_platform, partner_center, veeam
from licensehub.audit import router as audit_router
from licensehub.audit.middleware import AuditWrites
from licensehub.auth import router as auth_router
from licensehub.auth.errors import oauth_error
from licensehub.auth.keys import KeyRing, KeysUnavailable
from licensehub.importers import router as imports_router
from licensehub.importers.runner import OUT_OF_RANGE
from licensehub.kit import errors
from licensehub.kit.case_insensitive_paths import CaseInsensitivePaths
from licensehub.kit.flat_routes import include_flat
from licensehub.kit.forwarded import ForwardedHeaders
from licensehub.kit.frozen_heap import heap_frozen
from licensehub.kit.large_buffers import keep_large_buffers
from licensehub.kit.limits import RequestLimits
from licensehub.kit.pool_turns import lookup_lanes
from licensehub.kit.request_context import RequestContext
from licensehub.kit.security_headers import SecurityHeaders
from licensehub.ledger.database import CONNECTIONS, make_engine
from licensehub.ledger.integrity import explain
from licensehub.live_platform import router as live_platform_router
from licensehub.live_platform import writes as live_platform_writes
from licensehub.live_platform.errors import live_platform_error
from licensehub.partner_center import analytics as partner_center_analytics
from licensehub.partner_center import router as partner_center_router
from licensehub.partner_center.errors import partner_center_error
from licensehub.partner_center.headers import PartnerCenterHeaders
from licensehub.settings import Settings
from licensehub.veeam import organizations as veeam_organizations
from licensehub.veeam import router as veeam_router
from licensehub.veeam.errors import veeam_error

log = structlog.get_logger("licensehub.app")

DESCRIPTION = """\
One ledger of the Microsoft cloud licenses a partner's customer tenants hold, served over the
license APIs of Microsoft Partner Center, the AudioCodes Live Platform and Veeam Backup for
Microsoft 365, faithful to the vendors' documentation.
"""


# Every router of the app; a test walks their routes to prove each one is authenticated and
# tenant-scoped, or says why not.
ROUTERS = (
    health.router,
    auth_router.router,
    partner_center_router.router,
    partner_center_analytics.router,
    veeam_router.router,
    veeam_organizations.router,
    imports_router.router,
    live_platform_router.router,
    live_platform_writes.router,
    audit_router.router,
)


# Bearer tokens, not cookies: no credentials mode. The vendors' tracking headers pass both ways.
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept",
    "X-Correlation-ID",
    "MS-CorrelationId",
    "MS-RequestId",
    "MS-CV",
]
CORS_RESPONSE_HEADERS = [
    "X-Correlation-ID",
    "MS-CorrelationId",
    "MS-RequestId",
    "MS-CV",
    "Retry-After",
    "Location",
]


def error_styles() -> errors.ErrorStyles:
    styles = errors.ErrorStyles()
    for prefixes, style in (
        (partner_center.PREFIXES, partner_center_error),
        (live_platform.PREFIXES, live_platform_error),
        (veeam.PREFIXES, veeam_error),
        (auth_router.PREFIXES, oauth_error),
    ):
        for prefix in prefixes:
            styles.register(prefix, style)
    return styles


async def unstorable_value(request: Request, exc: Exception) -> Response:
    """A value the store cannot hold (NUL in text, too long, too large) is a bad request."""
    return errors.render(
        request, errors.InvalidParameter(OUT_OF_RANGE[0].upper() + OUT_OF_RANGE[1:] + ".")
    )


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """A bug: the client gets the vendor's error body with nothing of the cause; the log gets
    the traceback, under the request's correlation id."""
    log.exception("unexpected error", path=request.url.path)
    error = errors.ApiError(
        "An unexpected error occurred; it has been logged under the correlation id "
        f"{getattr(request.state, 'correlation_id', '')}.",
        status_code=500,
        code="internal_error",
    )
    return errors.render(request, error)


async def unbindable_value(request: Request, exc: Exception) -> Response:
    """A parameter SQLAlchemy could not even bind (a time that overflows on its way to UTC)
    is the client's; any other statement error is a bug."""
    assert isinstance(exc, StatementError)
    if not isinstance(exc, DBAPIError) and isinstance(exc.orig, OverflowError | ValueError):
        return await unstorable_value(request, exc)
    return await unexpected_error(request, exc)


async def ledger_conflict(request: Request, exc: Exception) -> Response:
    """A write the schema refused is the client's conflict, not a server error."""
    assert isinstance(exc, IntegrityError)
    return errors.render(request, errors.Conflict(explain(exc).message))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = make_engine(settings.ledger_url)
        # The pool's connections, shared: a few kept for the point lookups' lanes, the rest
        # for every other request's turn (kit/pool_turns.py).
        lanes = lookup_lanes(settings.lookup_concurrency, app.state.engine.dialect.name)
        app.state.lookup_slots = anyio.Semaphore(lanes)
        app.state.database_slots = anyio.Semaphore(CONNECTIONS - lanes)
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        app.state.keyring = KeyRing(app.state.engine, secret)
        # Loaded now, before any request holds the write lock (SQLite has one writer); a
        # ledger not migrated yet is tried again on first use.
        with contextlib.suppress(KeysUnavailable):
            app.state.keyring.get()
        keep_large_buffers()  # an analytics page's buffers, reused (kit/large_buffers.py)
        # What start-up made lives as long as the app: out of the collector's way from now
        # on (kit/frozen_heap.py).
        try:
            with heap_frozen():
                yield
        finally:
            app.state.engine.dispose()

    app = FastAPI(
        title="licensehub",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app, error_styles())
    app.add_exception_handler(IntegrityError, ledger_conflict)
    app.add_exception_handler(DataError, unstorable_value)
    app.add_exception_handler(OverflowError, unstorable_value)
    app.add_exception_handler(StatementError, unbindable_value)
    app.add_exception_handler(Exception, unexpected_error)
    for router in ROUTERS:
        include_flat(app, router)

    add_middleware(app, settings)
    return app


def add_middleware(app: FastAPI, settings: Settings) -> None:
    """Listed innermost first (each one added wraps the ones before): read bottom-up, the
    proxy's view of the request, the id and log line, security headers and CORS on every
    answer, the audit of writes (refused ones too), the size limits, then routing."""
    # The OpenAPI document lists every public path template, however routers are nested.
    app.add_middleware(CaseInsensitivePaths, paths=lambda: app.openapi()["paths"].keys())
    app.add_middleware(PartnerCenterHeaders, prefixes=partner_center.PREFIXES)
    app.add_middleware(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        upload_prefixes=imports_router.PREFIXES,
    )
    app.add_middleware(AuditWrites)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_RESPONSE_HEADERS,
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContext)
    app.add_middleware(ForwardedHeaders, trusted=settings.forwarded_allow_ips)
