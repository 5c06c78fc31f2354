"""Secrets never reach a log line or an error body, and a bug answers the vendor's 500 body
with nothing of its cause while the log keeps the traceback."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from structlog.testing import capture_logs

from licensehub.app import create_app
from licensehub.auth.keys import load_keys
from licensehub.auth.principals import add_api_client, add_password_user, create_principal
from licensehub.settings import Settings
from tests.conftest import ClientFactory

PASSWORD = "Sup3r-secret-passw0rd"


def test_sign_in_secrets_stay_out_of_logs_and_bodies(
    make_client: ClientFactory, ledger_url: str, engine: Engine, capsys: object
) -> None:
    with engine.begin() as connection:
        keys = load_keys(connection, None)
        add_password_user(connection, create_principal(connection, "ann"), "ann", PASSWORD)
        robot = create_principal(connection, "robot")
        client_id, secret = add_api_client(connection, robot, keys.client_secret_key)
    with make_client(ledger_url) as api, capture_logs() as logs:
        answers = [
            api.post("/v6/token", data={"grant_type": "password", "username": "ann",
                                        "password": PASSWORD + "x"}),
            api.post("/v6/token", json={"grant_type": "password", "username": ["ann"],
                                        "password": PASSWORD}),
            api.post("/v6/token", data={"grant_type": "password", "username": "ann",
                                        "password": PASSWORD}),
            api.post("/oauth2/token", data={"grant_type": "client_credentials",
                                            "client_id": client_id, "client_secret": secret + "x"}),
            api.post("/oauth2/token", data={"grant_type": "client_credentials",
                                            "client_id": client_id, "client_secret": secret}),
        ]  # fmt: skip
        issued = answers[2].json()
        api.get("/v1/customers", headers={"Authorization": f"Bearer {issued['access_token']}x"})
    assert [a.status_code for a in answers] == [401, 400, 200, 401, 200]
    secrets = [PASSWORD, secret, issued["access_token"], issued["refresh_token"]]
    logged = json.dumps(logs, default=str)
    for leaked in secrets:
        assert leaked not in logged
        for answer in (answers[0], answers[1], answers[3]):
            assert leaked not in answer.text


def test_a_bug_answers_500_in_the_vendor_body_and_logs_the_traceback(
    ledger_url: str, tmp_path: Path
) -> None:
    router = APIRouter()

    @router.get("/v6/Bug")
    def bug() -> None:
        raise RuntimeError("internal detail: connection string postgresql://u:pw@db")

    app = create_app(Settings(database_url=ledger_url, data_dir=tmp_path))
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as api, capture_logs() as logs:
        response = api.get("/v6/Bug", headers={"X-Correlation-ID": "bug-1"})
    assert response.status_code == 500
    assert response.json() == {
        "message": "An unexpected error occurred; it has been logged under the correlation id "
        "bug-1."
    }
    assert "pw@db" not in response.text
    [logged] = [entry for entry in logs if entry["event"] == "unexpected error"]
    assert logged["log_level"] == "error"
    assert logged["exc_info"]
