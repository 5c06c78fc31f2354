"""Partner Center's tracking headers: MS-RequestId, MS-CorrelationId and MS-CV are echoed
on every response of its paths when the client sent them, and generated when not."""

from __future__ import annotations

import secrets
import uuid
from base64 import urlsafe_b64encode
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def new_correlation_vector() -> str:
    """A fresh MS-CV: 16 base64 characters and a first extension, like Microsoft's."""
    return urlsafe_b64encode(secrets.token_bytes(12)).decode() + ".0"


class PartnerCenterHeaders:
    def __init__(self, app: ASGIApp, prefixes: Iterable[str]) -> None:
        self.app = app
        self.prefixes = tuple(prefix.lower().rstrip("/") + "/" for prefix in prefixes)

    def applies(self, path: str) -> bool:
        return (path.lower().rstrip("/") + "/").startswith(self.prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies(scope["path"]):
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope)
        # Echo what the client sent; without one, the id the request is logged under, so that
        # logs and client agree (an over-long id is echoed but logged under a new one).
        correlation = sent.get("ms-correlationid") or scope.get("state", {}).get(
            "correlation_id", str(uuid.uuid4())
        )
        tracking = {
            "MS-RequestId": sent.get("ms-requestid") or str(uuid.uuid4()),
            "MS-CorrelationId": correlation,
            "MS-CV": sent.get("ms-cv") or new_correlation_vector(),
        }

        async def send_with_tracking(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in tracking.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_tracking)
