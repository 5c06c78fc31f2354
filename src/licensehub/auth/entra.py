"""Entra ID sign-in: checking a bearer token that Microsoft Entra ID (or another OpenID Connect
issuer) signed, down to the identity it names: its directory (`tid`) and object (`oid`).

Which principal that identity stands for is the ledger's business (auth/entra_links.py).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import structlog

from licensehub.auth.tokens import InvalidToken
from licensehub.settings import Settings

log = structlog.get_logger("licensehub.auth.entra")

# Entra signs with RS256 only; fixing the algorithm here, never taking the token's word for
# it, is what refuses "none" and an HS256 token keyed with the public key.
ALGORITHM = "RS256"
TENANT_PLACEHOLDER = "{tenantid}"
CLOCK_SKEW_SECONDS = 60
# How long the fetched key set is trusted before it is fetched again. The per-kid LRU cache
# of PyJWKClient is left off on purpose: it never expires, so a key Microsoft withdrew would
# stay good for as long as the process lives.
KEY_SET_LIFESPAN_SECONDS = 300
FETCH_TIMEOUT_SECONDS = 10
DISCOVERY_RETRY_SECONDS = 30
# What a bad token raises on its way through PyJWT and the claim conversions below.
MALFORMED_OR_FORGED = (jwt.InvalidTokenError, jwt.PyJWKClientError, ValueError, TypeError, KeyError)


@dataclass(frozen=True)
class EntraIdentity:
    directory_id: uuid.UUID  # tid: the Entra tenant that vouches for the caller
    object_id: uuid.UUID  # oid: the user or service principal, stable across apps


def discovery_url(issuer: str) -> str:
    """OpenID Connect Discovery 1.0: `<issuer>/.well-known/openid-configuration`. Entra's
    multi-tenant document (tenant `common`) is the one whose issuer reads `{tenantid}`."""
    return issuer.replace(TENANT_PLACEHOLDER, "common").rstrip("/") + (
        "/.well-known/openid-configuration"
    )


class IssuerUnusable(Exception):
    """The issuer's discovery document cannot be had or is not the configured issuer's."""


def discover_jwks_url(issuer: str) -> str:
    try:
        response = httpx.get(discovery_url(issuer), timeout=FETCH_TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise IssuerUnusable(f"discovery failed: {exc}") from exc
    # A document naming another issuer is not this issuer's (Discovery 1.0, section 4.3).
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        raise IssuerUnusable("the discovery document names another issuer")
    if not isinstance(document.get("jwks_uri"), str):
        raise IssuerUnusable("the discovery document has no jwks_uri")
    return str(document["jwks_uri"])


@dataclass
class EntraVerifier:
    issuer: str
    audience: str
    tenants: frozenset[uuid.UUID]
    jwks_url: str | None = None
    _keys: jwt.PyJWKClient | None = None
    _discovery_retry_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Settings) -> EntraVerifier | None:
        if not settings.oidc_issuer:
            return None
        assert settings.oidc_audience  # the settings refuse an issuer without one
        return cls(
            settings.oidc_issuer,
            settings.oidc_audience,
            frozenset(settings.oidc_tenants),
            settings.oidc_jwks_url,
        )

    def identity(self, token: str) -> EntraIdentity:
        """The identity a valid token names; InvalidToken, whatever is wrong, otherwise."""
        try:
            return self._verify(token)
        except (IssuerUnusable, jwt.PyJWKClientConnectionError) as exc:
            # The issuer cannot be reached: the operator's problem, so said in the log.
            log.warning("entra_keys_unreachable", error=str(exc))
            raise InvalidToken("keys unreachable") from exc
        except MALFORMED_OR_FORGED as exc:
            raise InvalidToken(str(exc)) from exc

    def _verify(self, token: str) -> EntraIdentity:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str):
            raise InvalidToken("not an RS256 token with a key id")
        # Refused before any key is fetched, so that foreign tokens cost no request to Entra.
        claimed = jwt.decode(token, options={"verify_signature": False})
        directory = uuid.UUID(str(claimed["tid"]))
        if directory not in self.tenants:
            raise InvalidToken("tenant not allowed")
        key = self.key_set().get_signing_key(header["kid"])
        if key.key_type != "RSA":
            raise InvalidToken("not an RSA key")
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=[ALGORITHM],
            audience=self.audience,
            issuer=self.issuer.replace(TENANT_PLACEHOLDER, str(directory)),
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "nbf", "iat", "iss", "aud", "tid", "oid"]},
        )
        # Only access tokens: an ID token for this app has the same audience but no scp/roles.
        if not (claims.get("scp") or claims.get("roles")):
            raise InvalidToken("not an access token")
        return EntraIdentity(uuid.UUID(str(claims["tid"])), uuid.UUID(str(claims["oid"])))

    def key_set(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._keys is None:
                url = self.jwks_url or self._discover()
                self._keys = jwt.PyJWKClient(
                    url,
                    cache_jwk_set=True,
                    lifespan=KEY_SET_LIFESPAN_SECONDS,
                    timeout=FETCH_TIMEOUT_SECONDS,
                )
            return self._keys

    def _discover(self) -> str:
        # After a failure, tokens are refused for a while rather than each sending a request
        # to an issuer that is down (or a discovery document that is wrong).
        if time.monotonic() < self._discovery_retry_at:
            raise IssuerUnusable("discovery failed a moment ago")
        try:
            return discover_jwks_url(self.issuer)
        except IssuerUnusable:
            self._discovery_retry_at = time.monotonic() + DISCOVERY_RETRY_SECONDS
            raise
