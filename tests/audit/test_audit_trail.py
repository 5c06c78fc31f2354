"""Every write, import and token issued leaves an audit event: who, when, which request, and
how it ended, even when the write itself rolled back."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from licensehub.app import ROUTERS
from licensehub.audit.middleware import READ_METHODS
from licensehub.cli import main
from licensehub.demo.principals import DEMO_PASSWORD
from licensehub.ledger.tables import audit_events, partners
from tests.auth.world import World, build_world
from tests.conftest import ClientFactory
from tests.importers.test_usage import usage_rows


@pytest.fixture
def world(demo_engine: Engine) -> World:
    return build_world(demo_engine)


@pytest.fixture
def api(make_client: ClientFactory, demo_url: str) -> Iterator[TestClient]:
    with make_client(demo_url) as client:
        yield client


def events(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(audit_events).order_by(audit_events.c.id)).all()
    return [dict(row._mapping) for row in rows]


def last_event(engine: Engine) -> dict[str, Any]:
    return events(engine)[-1]


def write_routes() -> list[tuple[str, str]]:
    found = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                found += [(method, route.path) for method in route.methods - READ_METHODS]
    return sorted(found)


@pytest.mark.parametrize(("method", "path"), write_routes())
def test_every_write_route_is_audited_whatever_its_outcome(
    api: TestClient, world: World, demo_engine: Engine, method: str, path: str
) -> None:
    # Any value for the path's parameters: the request may well be refused, and a refused
    # write is audited like one that succeeded.
    url = re.sub(r"\{[^}]+\}", str(world.a.tenant_id), path)
    response = api.request(
        method,
        url,
        headers=world.headers(world.customer_a) | {"X-Correlation-ID": "audit-probe-1"},
    )
    event = last_event(demo_engine)
    assert event["target"] == f"{method} {url}"
    assert event["correlation_id"] == "audit-probe-1"
    assert event["status"] == response.status_code
    assert event["outcome"] == ("succeeded" if response.status_code < 400 else "refused")
    assert event["at"] is not None


def test_a_write_records_its_principal_and_action(
    api: TestClient, world: World, demo_engine: Engine
) -> None:
    response = api.post(
        "/api/v3/services",
        json={"tenantId": str(world.a.tenant_id), "serviceType": "OperatorConnect"},
        headers=world.headers(world.partner_a_writer),
    )
    assert response.status_code == 201
    event = last_event(demo_engine)
    assert (event["actor"], event["action"], event["outcome"]) == (
        "paw",
        "live_platform.create_service",
        "succeeded",
    )
    assert event["principal_id"] is not None
    assert event["correlation_id"] == response.headers["X-Correlation-ID"]


def test_a_write_refused_for_want_of_rights_is_recorded(
    api: TestClient, world: World, demo_engine: Engine
) -> None:
    response = api.post(
        "/api/v3/services",
        json={"tenantId": str(world.a.tenant_id), "serviceType": "OperatorConnect"},
        headers=world.headers(world.partner_a),
    )
    assert response.status_code == 403
    event = last_event(demo_engine)
    assert (event["actor"], event["outcome"], event["status"]) == ("pa", "refused", 403)


def test_tokens_issued_and_refused(api: TestClient, demo_engine: Engine) -> None:
    refused = api.post(
        "/v6/token",
        data={"grant_type": "password", "username": "admin", "password": "not it"},
    )
    assert refused.status_code == 401
    event = last_event(demo_engine)
    assert (event["actor"], event["action"], event["outcome"]) == (
        "admin",
        "token.password",
        "refused",
    )
    assert event["principal_id"] is None
    issued = api.post(
        "/v6/token",
        data={"grant_type": "password", "username": "admin", "password": DEMO_PASSWORD},
    )
    assert issued.status_code == 200
    event = last_event(demo_engine)
    assert (event["actor"], event["action"], event["outcome"]) == (
        "admin",
        "token.password",
        "succeeded",
    )
    assert event["principal_id"] is not None
    refreshed = api.post(
        "/v6/token",
        data={"grant_type": "refresh_token", "refresh_token": issued.json()["refresh_token"]},
    )
    assert refreshed.status_code == 200
    event = last_event(demo_engine)
    assert (event["actor"], event["action"]) == ("admin", "token.refresh_token")
    # Secrets never reach the trail.
    trail = json.dumps(events(demo_engine), default=str)
    assert DEMO_PASSWORD not in trail
    assert issued.json()["refresh_token"] not in trail


def test_client_credentials_tokens(
    api: TestClient, demo_url: str, demo_engine: Engine, tmp_path: Path
) -> None:
    created = CliRunner().invoke(
        main, ["client", "create", "audit-robot"], env={"LICENSEHUB_DATABASE_URL": demo_url}
    )
    assert created.exit_code == 0, created.output
    credentials = dict(line.split("=", 1) for line in created.stdout.split())
    assert api.post("/oauth2/token", data={"grant_type": "client_credentials", **credentials})
    event = last_event(demo_engine)
    assert (event["actor"], event["action"], event["outcome"]) == (
        "audit-robot",
        "token.client_credentials",
        "succeeded",
    )


def test_imports_over_http_and_from_the_cli(
    api: TestClient, world: World, demo_url: str, demo_engine: Engine, tmp_path: Path
) -> None:
    body = json.dumps({"Value": usage_rows([str(uuid.uuid4())])}).encode()
    imported = api.post(
        f"/imports/usage?partner={world.a.partner_id}",
        content=body,
        headers=world.headers(world.partner_a_writer),
    )
    assert imported.status_code == 201, imported.text
    event = last_event(demo_engine)
    assert (event["action"], event["outcome"]) == ("import.usage", "succeeded")
    assert f"import #{imported.json()['id']}" in event["detail"]
    broken = api.post(
        "/imports/usage",
        content=b'{"Value": [{"x": 1}]}',
        headers=world.headers(world.partner_a_writer),
    )
    assert broken.status_code == 400
    event = last_event(demo_engine)
    assert (event["action"], event["outcome"]) == ("import.usage", "refused")
    assert event["detail"].startswith("import #")

    with demo_engine.connect() as connection:
        partner = connection.execute(select(partners.c.id).order_by(partners.c.id)).scalar()
    report = tmp_path / "usage.json"
    report.write_bytes(json.dumps({"Value": usage_rows([str(uuid.uuid4())])}).encode())
    env = {"LICENSEHUB_DATABASE_URL": demo_url}
    result = CliRunner().invoke(
        main, ["import", "usage", str(report), "--partner", str(partner)], env=env
    )
    assert result.exit_code == 0, result.output
    event = last_event(demo_engine)
    assert event["actor"].startswith("cli")
    assert (event["action"], event["outcome"]) == ("import.usage", "succeeded")
    assert event["target"] == "licensehub import usage usage.json"
    assert event["correlation_id"].startswith("cli-")


def test_operators_read_the_trail_over_http(
    api: TestClient, world: World, demo_engine: Engine
) -> None:
    for _ in range(3):
        api.post("/v6/token", data={"grant_type": "password", "username": "x", "password": "y"})
    operator = world.headers(world.operator)
    listed = api.get("/audit", params={"action": "token", "limit": 2}, headers=operator)
    assert listed.status_code == 200
    page = listed.json()
    assert [e["action"] for e in page] == ["token.password", "token.password"]
    assert page[0]["id"] > page[1]["id"]
    assert {"at", "actor", "principalId", "target", "correlationId", "outcome", "status"} <= set(
        page[0]
    )
    older = api.get("/audit", params={"before": page[1]["id"]}, headers=operator).json()
    assert [e["id"] for e in older] == [page[1]["id"] - 1]
    refused = api.get("/audit", params={"outcome": "refused", "actor": "x"}, headers=operator)
    assert len(refused.json()) == 3
    assert api.get("/audit", params={"since": "2999-01-01T00:00:00"}, headers=operator).json() == []
    # A time that overflows on its way to UTC (found by the fuzz) is the client's error.
    overflowing = {"since": "0001-01-01T00:00:00+01:00"}
    assert api.get("/audit", params=overflowing, headers=operator).status_code == 400
    for reader in (world.partner_a_writer, world.customer_a):
        assert api.get("/audit", headers=world.headers(reader)).status_code == 403


def test_the_cli_shows_the_trail(api: TestClient, demo_url: str) -> None:
    api.post("/v6/token", data={"grant_type": "password", "username": "x", "password": "y"})
    env = {"LICENSEHUB_DATABASE_URL": demo_url}
    result = CliRunner().invoke(main, ["audit", "--json", "--action", "token"], env=env)
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    assert json.loads(line)["actor"] == "x"
    table = CliRunner().invoke(main, ["audit", "--limit", "5"], env=env | {"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "token.password" in table.stdout


def test_credentials_and_tokens_made_with_the_cli(demo_url: str, demo_engine: Engine) -> None:
    env = {"LICENSEHUB_DATABASE_URL": demo_url}
    directory = str(uuid.uuid4())
    commands = {
        "principal.create_user": ["user", "create", "cli-ann", "--password", "pw-123456"],
        "principal.create_client": ["client", "create", "cli-robot", "--write"],
        "principal.link_entra": ["user", "entra", "cli-staff", "--directory", directory],
        "token.cli": ["token", "create"],
    }
    for action, args in commands.items():
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 0, result.output
        event = last_event(demo_engine)
        assert (event["action"], event["outcome"]) == (action, "succeeded")
        assert event["actor"].startswith("cli")
        assert event["target"] == "licensehub " + " ".join(args[:2])
    assert "pw-123456" not in json.dumps(events(demo_engine), default=str)
