"""The dependencies every endpoint declares: who is calling, may they write, and the one
tenant scope that every query of tenant data starts from.

Routes that need no token (health, the token endpoints) or that read no tenant data say so
with @public / @unscoped; a test walks every route and fails on one that does neither.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError

from licensehub.auth.entra import EntraIdentity, EntraVerifier
from licensehub.auth.entra_links import linked_principal
from licensehub.auth.keys import Keys, KeysUnavailable
from licensehub.auth.principals import Principal
from licensehub.auth.tenant_scope import TenantScope
from licensehub.auth.tokens import InvalidToken, principal_from_token
from licensehub.kit.errors import Forbidden, ServiceUnavailable, Unauthorized
from licensehub.kit.pool_turns import pool_slot

bearer = HTTPBearer(
    auto_error=False,
    description="A licensehub token: POST /oauth2/token, POST /v6/token or "
    "`licensehub token create`.",
)

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="licensehub"'}
INVALID = {"WWW-Authenticate": 'Bearer realm="licensehub", error="invalid_token"'}
UNREACHABLE = "The ledger is unreachable or its schema is not current (`licensehub db upgrade`)."


def app_keys(request: Request) -> Keys:
    try:
        keys: Keys = request.app.state.keyring.get()
    except KeysUnavailable:
        raise ServiceUnavailable(UNREACHABLE) from None
    return keys


# The dependencies below that do no I/O are async (kit/clock.py's now says why).


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("A bearer token is required.", headers=CHALLENGE)
    token = credentials.credentials
    try:
        try:
            principal = principal_from_token(app_keys(request), token)
        except InvalidToken:  # fetching keys and reading links is I/O: in a worker thread
            identity = await run_in_threadpool(entra_identity, request, token)
            # The link is read before the request takes its turn at the pool (the caller is
            # checked first: kit.dependencies), so it takes a turn of its own: the pool
            # never lends more connections than it has. The keys are fetched holding none.
            async with pool_slot(request.app.state):
                principal = await run_in_threadpool(entra_principal, request, identity)
    except InvalidToken:
        # The same answer for every kind of bad token: no hints for whoever forged it.
        raise Unauthorized("The token is invalid or expired.", headers=INVALID) from None
    request.state.principal = principal
    return principal


def entra_verifier(request: Request) -> EntraVerifier | None:
    """Made on first use from the app's settings; None while Entra ID sign-in is off."""
    state = request.app.state
    if not hasattr(state, "entra_verifier"):  # a race makes two alike; one is kept
        state.entra_verifier = EntraVerifier.from_settings(state.settings)
    verifier: EntraVerifier | None = state.entra_verifier
    return verifier


def entra_identity(request: Request, token: str) -> EntraIdentity:
    """The identity an Entra ID token proves, its issuer's keys fetched when needed."""
    verifier = entra_verifier(request)
    if verifier is None:
        raise InvalidToken("Entra ID sign-in is off")
    return verifier.identity(token)


def entra_principal(request: Request, identity: EntraIdentity) -> Principal:
    """The principal linked to an Entra ID identity. An identity linked to no one is refused
    like a bad token (401, not 403): a valid Entra token is no licensehub credential until
    an operator links it, and the answer should not say it was valid."""
    try:
        with request.app.state.engine.connect() as connection:
            principal = linked_principal(connection, identity)
    except SQLAlchemyError:
        raise ServiceUnavailable(UNREACHABLE) from None
    if principal is None:
        raise InvalidToken("identity linked to no principal, or to a disabled one")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


async def require_write(principal: CurrentPrincipal) -> Principal:
    if not principal.can_write:
        raise Forbidden("This token may read but not write.")
    return principal


WritePrincipal = Annotated[Principal, Depends(require_write)]


async def tenant_scope(principal: CurrentPrincipal) -> TenantScope:
    return TenantScope(principal)


Scoped = Annotated[TenantScope, Depends(tenant_scope)]

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_MARK = "__licensehub_access__"


def public(reason: str) -> Callable[[F], F]:
    """An endpoint anyone may call without a token (it reads no ledger data)."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, ACCESS_MARK, ("public", reason))
        return endpoint

    return mark


def unscoped(reason: str) -> Callable[[F], F]:
    """An authenticated endpoint that reads no tenant's data (e.g. the global catalog)."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, ACCESS_MARK, ("unscoped", reason))
        return endpoint

    return mark
