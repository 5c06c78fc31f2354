"""Access tokens are signed JWTs that carry the principal's scope, so checking one needs no
database round trip; refresh tokens are opaque, single-use and kept (by digest) in the ledger
so that a disabled principal cannot refresh."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import Connection, insert, select, update

from licensehub.auth.keys import Keys
from licensehub.auth.principals import Principal, active_principal
from licensehub.auth.secrets import token_digest
from licensehub.ledger.tables import refresh_tokens
from licensehub.ledger.tables.base import utcnow

ISSUER = "licensehub"
AUDIENCE = "licensehub-api"
ALGORITHM = "HS256"
REFRESH_LIFETIME = timedelta(days=14)


class InvalidToken(Exception):
    """Missing, malformed, unsigned, tampered with or expired: the reason stays internal."""


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    issued_at: datetime
    expires_at: datetime
    principal: Principal

    @property
    def expires_in(self) -> int:
        return int((self.expires_at - self.issued_at).total_seconds())


def scope_of(principal: Principal) -> str:
    return "read write" if principal.can_write else "read"


def issue_access_token(
    keys: Keys, principal: Principal, lifetime: timedelta, now: datetime | None = None
) -> tuple[str, datetime, datetime]:
    issued = (now or utcnow()).replace(microsecond=0)
    expires = issued + lifetime
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(principal.id),
        "name": principal.name,
        "kind": principal.kind,
        "scope": scope_of(principal),
        "iat": issued,
        "exp": expires,
        "jti": secrets.token_hex(8),
    }
    if principal.partner_id is not None:
        claims["partner"] = principal.partner_id
    if principal.tenant_id is not None:
        claims["tenant"] = principal.tenant_id
    return jwt.encode(claims, keys.signing_key, algorithm=ALGORITHM), issued, expires


def principal_from_token(keys: Keys, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            keys.signing_key,
            algorithms=[ALGORITHM],  # never "none", never an algorithm the token picks
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "kind", "scope"]},
        )
        kind = claims["kind"]
        if kind not in ("operator", "partner", "customer"):
            raise InvalidToken("unknown principal kind")
        return Principal(
            id=int(claims["sub"]),
            kind=kind,
            name=str(claims.get("name", "")),
            partner_id=claims.get("partner") if kind == "partner" else None,
            tenant_id=claims.get("tenant") if kind == "customer" else None,
            can_write="write" in str(claims["scope"]).split(),
        )
    except (jwt.InvalidTokenError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken(str(exc)) from exc


def issue_tokens(
    connection: Connection,
    keys: Keys,
    principal: Principal,
    lifetime: timedelta,
    with_refresh: bool = True,
) -> TokenSet:
    access, issued, expires = issue_access_token(keys, principal, lifetime)
    refresh = None
    if with_refresh:
        refresh = secrets.token_urlsafe(32)
        connection.execute(
            insert(refresh_tokens).values(
                token_id=token_digest(refresh),
                principal_id=principal.id,
                issued_at=issued,
                expires_at=issued + REFRESH_LIFETIME,
            )
        )
    return TokenSet(access, refresh, issued, expires, principal)


def spend_refresh_token(connection: Connection, refresh_token: str) -> Principal:
    """The principal a refresh token was issued to; the token cannot be used again."""
    now = utcnow()
    digest = token_digest(refresh_token)
    spent = connection.execute(
        update(refresh_tokens)
        .where(
            refresh_tokens.c.token_id == digest,
            refresh_tokens.c.used_at.is_(None),
            refresh_tokens.c.expires_at > now,
        )
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        raise InvalidToken("refresh token unknown, used or expired")
    principal_id = connection.execute(
        select(refresh_tokens.c.principal_id).where(refresh_tokens.c.token_id == digest)
    ).scalar_one()
    principal = active_principal(connection, principal_id)
    if principal is None:
        raise InvalidToken("principal disabled")
    return principal
