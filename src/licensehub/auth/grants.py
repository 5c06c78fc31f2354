"""Signing in: the three ways to get a token, shared by /oauth2/token and Veeam's /v6/token.

Each grant reads, checks the secret with no transaction open, then writes in a short
transaction of its own: hashing a password takes a while, and SQLite's one write lock must
not be held meanwhile. A refused sign-in is recorded (the throttle counts it) before
InvalidGrant is raised.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine

from licensehub.auth import throttle
from licensehub.auth.keys import Keys
from licensehub.auth.principals import Principal, api_client, password_user
from licensehub.auth.secrets import client_secret_matches, verify_password
from licensehub.auth.tokens import InvalidToken, TokenSet, issue_tokens, spend_refresh_token
from licensehub.ledger.database import write_transaction


class InvalidGrant(Exception):
    """Wrong credentials, or a refresh token that cannot be used: one message for all."""


def password_grant(
    engine: Engine,
    keys: Keys,
    username: str,
    password: str,
    lifetime: timedelta,
    now: datetime,
) -> TokenSet:
    """Raises throttle.Throttled before looking at the password when the name must wait."""
    key = throttle.sign_in_key("user", username)
    with engine.connect() as reader, reader.begin():
        throttle.check(reader, key, now)
        found = password_user(reader, username)
    matches = verify_password(found[1] if found else None, password)
    return settle(
        engine, key, now, found[0] if found and matches else None, keys, lifetime, True,
        "The user name or password is incorrect.",
    )  # fmt: skip


def client_credentials_grant(
    engine: Engine,
    keys: Keys,
    client_id: str,
    secret: str,
    lifetime: timedelta,
    now: datetime,
) -> TokenSet:
    """Throttled like password_grant, by client id."""
    key = throttle.sign_in_key("client", client_id)
    with engine.connect() as reader, reader.begin():
        throttle.check(reader, key, now)
        found = api_client(reader, client_id)
    matches = found is not None and client_secret_matches(keys.client_secret_key, found[1], secret)
    # RFC 6749 4.4.3: no refresh token for client credentials; the client signs in again.
    return settle(
        engine, key, now, found[0] if found and matches else None, keys, lifetime, False,
        "The client id or secret is incorrect.",
    )  # fmt: skip


def settle(
    engine: Engine,
    key: str,
    now: datetime,
    principal: Principal | None,
    keys: Keys,
    lifetime: timedelta,
    with_refresh: bool,
    refusal: str,
) -> TokenSet:
    """Record the outcome with the throttle; issue the tokens when the secret matched."""
    with write_transaction(engine) as writer:
        if principal is None:
            throttle.record_failure(writer, key, now)
        else:
            throttle.forget(writer, key)
            return issue_tokens(writer, keys, principal, lifetime, with_refresh=with_refresh)
    raise InvalidGrant(refusal)


# Refresh tokens are not throttled: they are 256-bit random, and counting failures by token
# would lock out no one in particular.
def refresh_grant(engine: Engine, keys: Keys, refresh_token: str, lifetime: timedelta) -> TokenSet:
    with write_transaction(engine) as writer:
        try:
            principal = spend_refresh_token(writer, refresh_token)
        except InvalidToken:
            raise InvalidGrant("The refresh token is invalid, used or expired.") from None
        return issue_tokens(writer, keys, principal, lifetime)
