"""Password and client-secret guessing slows down, then locks out, one sign-in name at a time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from licensehub.auth.keys import load_keys
from licensehub.auth.principals import add_api_client, add_password_user, create_principal
from licensehub.auth.throttle import FREE_FAILURES, LOCK_AFTER, LOCKOUT, backoff
from licensehub.kit.clock import now
from tests.conftest import ClientFactory

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at

    def advance(self, span: timedelta) -> None:
        self.at += span


@pytest.fixture
def secrets(engine: Engine) -> dict[str, str]:
    with engine.begin() as connection:
        keys = load_keys(connection, None)
        for name in ("alice", "bob"):
            add_password_user(connection, create_principal(connection, name), name, f"{name}-pw")
        robot = create_principal(connection, "robot")
        client_id, secret = add_api_client(connection, robot, keys.client_secret_key)
    return {"client_id": client_id, "client_secret": secret}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(make_client: ClientFactory, ledger_url: str, clock: Clock) -> Iterator[TestClient]:
    with make_client(ledger_url) as client:
        client.app.dependency_overrides[now] = clock  # type: ignore[attr-defined]
        yield client


def sign_in(api: TestClient, username: str, password: str) -> Any:
    return api.post(
        "/v6/token", data={"grant_type": "password", "username": username, "password": password}
    )


def fail(api: TestClient, clock: Clock, username: str, times: int) -> None:
    """Fail `times` times, each after waiting out the backoff, so that every one counts."""
    for _ in range(times):
        assert sign_in(api, username, "wrong").status_code == 401
        clock.advance(timedelta(minutes=1))


@pytest.mark.usefixtures("secrets")
def test_a_few_failures_are_free(api: TestClient) -> None:
    for _ in range(FREE_FAILURES):
        assert sign_in(api, "alice", "wrong").status_code == 401
    assert sign_in(api, "alice", "alice-pw").status_code == 200


@pytest.mark.usefixtures("secrets")
def test_more_failures_must_wait_longer_each_time(api: TestClient, clock: Clock) -> None:
    for _ in range(FREE_FAILURES):
        assert sign_in(api, "alice", "wrong").status_code == 401
    assert sign_in(api, "alice", "wrong").status_code == 401  # the first that costs a wait
    waiting = sign_in(api, "alice", "alice-pw")  # even the right password waits
    assert waiting.status_code == 429
    assert waiting.json() == {"message": waiting.json()["message"]}  # Veeam's error body
    assert "wait" in waiting.json()["message"]
    assert int(waiting.headers["Retry-After"]) == backoff(FREE_FAILURES + 1).total_seconds()
    clock.advance(backoff(FREE_FAILURES + 1))
    assert sign_in(api, "alice", "alice-pw").status_code == 200


@pytest.mark.usefixtures("secrets")
def test_lockout_and_its_expiry(api: TestClient, clock: Clock) -> None:
    fail(api, clock, "alice", LOCK_AFTER)
    locked = sign_in(api, "alice", "alice-pw")
    assert locked.status_code == 429
    assert "locked" in locked.json()["message"]
    retry_after = int(locked.headers["Retry-After"])
    assert LOCKOUT.total_seconds() - 60 <= retry_after <= LOCKOUT.total_seconds()
    # Other principals sign in as before.
    assert sign_in(api, "bob", "bob-pw").status_code == 200
    clock.advance(timedelta(seconds=retry_after - 1))
    assert sign_in(api, "alice", "alice-pw").status_code == 429
    clock.advance(timedelta(seconds=1))
    assert sign_in(api, "alice", "alice-pw").status_code == 200
    # A success starts the count again: the next failures are free.
    fail(api, clock, "alice", FREE_FAILURES)
    assert sign_in(api, "alice", "alice-pw").status_code == 200


@pytest.mark.usefixtures("secrets")
def test_unknown_names_are_throttled_like_known_ones(api: TestClient, clock: Clock) -> None:
    fail(api, clock, "nobody", LOCK_AFTER)
    assert sign_in(api, "nobody", "whatever").status_code == 429
    assert sign_in(api, "NOBODY", "whatever").status_code == 429  # names fold case


@pytest.mark.usefixtures("secrets")
def test_failures_are_forgotten_after_a_quiet_while(api: TestClient, clock: Clock) -> None:
    fail(api, clock, "alice", LOCK_AFTER - 1)
    clock.advance(timedelta(hours=1))
    fail(api, clock, "alice", LOCK_AFTER - 1)
    assert sign_in(api, "alice", "alice-pw").status_code == 200


def test_client_secrets_are_throttled_too(
    api: TestClient, clock: Clock, secrets: dict[str, str]
) -> None:
    def token(secret: str) -> Any:
        return api.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": secrets["client_id"],
                "client_secret": secret,
            },
        )

    for _ in range(LOCK_AFTER):
        assert token("wrong").status_code == 401
        clock.advance(timedelta(minutes=1))
    locked = token(secrets["client_secret"])
    assert locked.status_code == 429
    assert locked.json()["error"] == "slow_down"
    assert "Retry-After" in locked.headers
    clock.advance(LOCKOUT)
    assert token(secrets["client_secret"]).status_code == 200
