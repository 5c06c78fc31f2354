"""Every request that may change something (any method but GET, HEAD and OPTIONS) leaves an
audit event once it has been answered, whatever its outcome.

Endpoints add what only they know with note(): the action's own name (``import.graph``,
``token.password``), the name a failed sign-in tried, a detail such as the import's number.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from licensehub.audit.events import AuditEvent, outcome_of, record
from licensehub.kit.pool_turns import pool_slot

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NOTE = "audit_note"


def note(
    request: Request,
    *,
    action: str | None = None,
    actor: str | None = None,
    detail: str | None = None,
) -> None:
    found: dict[str, str] = request.scope.setdefault("state", {}).setdefault(NOTE, {})
    for name, value in (("action", action), ("actor", actor), ("detail", detail)):
        if value is not None:
            found[name] = value


def action_of(scope: Scope) -> str:
    """``live_platform.add_number`` for licensehub.live_platform.writes.add_number."""
    endpoint = scope.get("endpoint")
    if endpoint is None:
        return "request"  # refused before any endpoint was chosen (a limit, an unknown path)
    package = endpoint.__module__.split(".")[1]
    return f"{package}.{endpoint.__name__}"


def event_for(scope: Scope, status: int) -> AuditEvent:
    state: dict[str, Any] = scope.get("state", {})
    found: dict[str, str] = state.get(NOTE, {})
    principal = state.get("principal")
    return AuditEvent(
        # The principal once known; before that (a refused sign-in) the name that was tried.
        actor=principal.name if principal else found.get("actor", "anonymous"),
        action=found.get("action") or action_of(scope),
        target=f"{scope['method']} {scope['path']}",
        outcome=outcome_of(status),
        principal_id=principal.id if principal else None,
        correlation_id=state.get("correlation_id"),
        status=status,
        detail=found.get("detail"),
    )


class AuditWrites:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READ_METHODS:
            await self.app(scope, receive, send)
            return
        status = 500

        async def keep_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, keep_status)
        finally:
            if status not in (404, 405) or scope.get("endpoint") is not None:
                state = scope["app"].state
                async with pool_slot(state):
                    await run_in_threadpool(record, state.engine, event_for(scope, status))
