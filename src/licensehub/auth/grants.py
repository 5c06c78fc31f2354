"""Signing in: the three ways to get a token, shared by /oauth2/token and Veeam's /v6/token."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection

from licensehub.auth import throttle
from licensehub.auth.keys import Keys
from licensehub.auth.principals import api_client, password_user
from licensehub.auth.secrets import client_secret_matches, verify_password
from licensehub.auth.tokens import InvalidToken, TokenSet, issue_tokens, spend_refresh_token


class InvalidGrant(Exception):
    """Wrong credentials, or a refresh token that cannot be used: one message for all."""


def password_grant(
    connection: Connection,
    keys: Keys,
    username: str,
    password: str,
    lifetime: timedelta,
    now: datetime,
) -> TokenSet:
    """Raises throttle.Throttled before looking at the password when the name must wait;
    a failure is recorded in the caller's transaction, which must commit it."""
    key = throttle.sign_in_key("user", username)
    throttle.check(connection, key, now)
    found = password_user(connection, username)
    if not verify_password(found[1] if found else None, password) or found is None:
        throttle.record_failure(connection, key, now)
        raise InvalidGrant("The user name or password is incorrect.")
    throttle.forget(connection, key)
    return issue_tokens(connection, keys, found[0], lifetime)


# Refresh tokens are not throttled: they are 256-bit random, and counting failures by token
# would lock out no one in particular.
def refresh_grant(
    connection: Connection, keys: Keys, refresh_token: str, lifetime: timedelta
) -> TokenSet:
    try:
        principal = spend_refresh_token(connection, refresh_token)
    except InvalidToken:
        raise InvalidGrant("The refresh token is invalid, used or expired.") from None
    return issue_tokens(connection, keys, principal, lifetime)


def client_credentials_grant(
    connection: Connection,
    keys: Keys,
    client_id: str,
    secret: str,
    lifetime: timedelta,
    now: datetime,
) -> TokenSet:
    """Throttled like password_grant, by client id."""
    key = throttle.sign_in_key("client", client_id)
    throttle.check(connection, key, now)
    found = api_client(connection, client_id)
    if found is None or not client_secret_matches(keys.client_secret_key, found[1], secret):
        throttle.record_failure(connection, key, now)
        raise InvalidGrant("The client id or secret is incorrect.")
    throttle.forget(connection, key)
    # RFC 6749 4.4.3: no refresh token for client credentials; the client signs in again.
    return issue_tokens(connection, keys, found[0], lifetime, with_refresh=False)
