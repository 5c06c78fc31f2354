"""Per-request context: a correlation id for every request, and one structured log line."""

from __future__ import annotations

import time
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Clients name the id differently: Partner Center sends MS-CorrelationId, proxies X-Request-ID.
INCOMING_HEADERS = (b"x-correlation-id", b"ms-correlationid", b"x-request-id")
RESPONSE_HEADER = "X-Correlation-ID"
MAX_LENGTH = 128

log = structlog.get_logger("licensehub.request")


def correlation_id_from(scope: Scope) -> str:
    headers: dict[bytes, bytes] = dict(scope.get("headers", ()))
    for name in INCOMING_HEADERS:
        value = headers.get(name, b"").decode("latin-1").strip()
        # Kept only if printable and short: it goes into logs and response headers.
        if value and len(value) <= MAX_LENGTH and value.isprintable():
            return value
    return str(uuid.uuid4())


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = correlation_id_from(scope)
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[RESPONSE_HEADER] = correlation_id
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                client = scope.get("client")
                log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                    client=client[0] if client else None,
                    correlation_id=correlation_id,
                )
