"""`licensehub user|client|token create`, as an operator would use them on the demo ledger."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from licensehub.cli import main
from licensehub.ledger.tables import partners, tenants

WOODGROVE = "Woodgrove Bank"


def run(url: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env={"LICENSEHUB_DATABASE_URL": url}, input=stdin)


def visible_customers(client: Any, token: str) -> set[str]:
    body = client.get("/v1/customers", headers={"Authorization": f"Bearer {token}"}).json()
    return {item["companyProfile"]["companyName"] for item in body["items"]}


def test_the_first_operator_signs_in_as_a_veeam_client(demo_url: str, make_client: Any) -> None:
    created = run(
        demo_url, "user", "create", "ops@msp.example", "--write", stdin="s3cret-pass\ns3cret-pass\n"
    )
    assert created.exit_code == 0, created.output
    assert "s3cret-pass" not in created.output
    with make_client(demo_url) as client:
        body = client.post(
            "/v6/token",
            data={
                "grant_type": "password",
                "username": "ops@msp.example",
                "password": "s3cret-pass",
            },
        ).json()
        assert len(visible_customers(client, body["access_token"])) == 29


def test_a_partners_api_client_sees_its_customers_only(
    demo_url: str, demo_engine: Engine, make_client: Any
) -> None:
    with demo_engine.connect() as connection:
        partner_id, partner_guid = connection.execute(
            select(partners.c.id, partners.c.partner_tenant_id).order_by(partners.c.id)
        ).first()  # type: ignore[misc]
        theirs = set(
            connection.execute(
                select(tenants.c.name).where(tenants.c.partner_id == partner_id)
            ).scalars()
        )
    for partner in (str(partner_id), str(partner_guid)):
        created = run(demo_url, "client", "create", f"billing via {partner}", "--partner", partner)
        assert created.exit_code == 0, created.output
        lines = dict(line.split("=", 1) for line in created.stdout.splitlines() if "=" in line)
        with make_client(demo_url) as client:
            token = client.post(
                "/oauth2/token", data={"grant_type": "client_credentials", **lines}
            ).json()["access_token"]
            assert visible_customers(client, token) == theirs


def test_a_customers_token(demo_url: str, demo_engine: Engine, make_client: Any) -> None:
    with demo_engine.connect() as connection:
        tenant_id = connection.execute(
            select(tenants.c.tenant_id).where(tenants.c.name == WOODGROVE)
        ).scalar_one()
    created = run(demo_url, "token", "create", "--tenant", str(tenant_id).upper())
    assert created.exit_code == 0, created.output
    with make_client(demo_url) as client:
        assert visible_customers(client, created.stdout.strip()) == {WOODGROVE}


def test_scope_options_are_checked(demo_url: str) -> None:
    unknown = run(demo_url, "token", "create", "--tenant", "00000000-0000-4000-8000-000000000000")
    assert unknown.exit_code == 2
    assert "no tenant" in unknown.output
    assert run(demo_url, "token", "create", "--tenant", "nope").exit_code == 2
    assert run(demo_url, "token", "create", "--partner", "999").exit_code == 2
    both = run(demo_url, "client", "create", "x", "--tenant", "a", "--partner", "1")
    assert both.exit_code == 2
    assert "not both" in both.output


def test_a_second_user_of_the_same_name_is_refused_without_a_trace(demo_url: str) -> None:
    assert run(demo_url, "user", "create", "dup@msp.example", "--password", "p1").exit_code == 0
    again = run(demo_url, "user", "create", "DUP@msp.example", "--password", "p2")
    assert again.exit_code == 1
    assert "a user with this name already exists" in again.output
    assert "argon2" not in again.output
    assert "Traceback" not in again.output
