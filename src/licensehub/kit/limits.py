"""Size limits on what a client sends, checked before any endpoint runs: the request target
(414), the headers (431), and the body (413), whether its length is announced or not.

Uploads (POST /imports) get a limit of their own: they are files, streamed to disk. Every
refusal is an ApiError, so it comes in the body of the vendor whose path was asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from licensehub.kit.errors import ApiError, HeadersTooLarge, PayloadTooLarge, UriTooLong, render

MAX_TARGET_BYTES = 8192  # path and query together, as most proxies allow
MAX_HEADER_BYTES = 16384  # all header names and values together


def declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestLimits:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        upload_prefixes: Sequence[str],
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.upload_prefixes = tuple(prefix.lower() for prefix in upload_prefixes)

    def body_limit(self, scope: Scope) -> int:
        is_upload = scope["path"].lower().startswith(self.upload_prefixes)
        return self.max_upload_bytes if is_upload else self.max_body_bytes

    def refusal(self, scope: Scope, limit: int) -> ApiError | None:
        target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
        if target > MAX_TARGET_BYTES:
            return UriTooLong(f"The request's path and query exceed {MAX_TARGET_BYTES} bytes.")
        headers = sum(len(name) + len(value) for name, value in scope["headers"])
        if headers > MAX_HEADER_BYTES:
            return HeadersTooLarge(f"The request's headers exceed {MAX_HEADER_BYTES} bytes.")
        length = declared_length(scope)
        if length is not None and length > limit:
            return too_large(limit)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.body_limit(scope)
        if error := self.refusal(scope, limit):
            await render(Request(scope), error)(scope, receive, send)
            return

        # A body without Content-Length (chunked) is counted as it arrives. Whatever the
        # endpoint then makes of the cut-off body, the client is told 413.
        received = 0
        exceeded = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise too_large(limit)
            return message

        async def send_unless_exceeded(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the endpoint's answer to a cut-off body; 413 goes out below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, send_unless_exceeded)
        except PayloadTooLarge:
            if not exceeded:
                raise
        if exceeded and not started:
            await render(Request(scope), too_large(limit))(scope, receive, send)


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body exceeds the limit of {limit} bytes.")
