"""Passwords (argon2id, memory-hard) and API client secrets (HMAC-SHA256 keyed hashes)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this when a user is unknown costs the same time as a real check, so
    response times do not tell which usernames exist. Made on first use, not at import: a
    hash costs 64 MiB and a fraction of a second that `licensehub import` need not pay."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
        return matched and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_client_secret(key: bytes, secret: str) -> str:
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def client_secret_matches(key: bytes, stored_hash: str | None, secret: str) -> bool:
    candidate = hash_client_secret(key, secret)
    return hmac.compare_digest(stored_hash or "0" * len(candidate), candidate) and (
        stored_hash is not None
    )


def token_digest(token: str) -> str:
    """Refresh tokens are stored by digest, so a copy of the database holds none of them."""
    return hashlib.sha256(token.encode()).hexdigest()
