"""`licensehub import teams-numbers --service GUID FILE`: Teams' own number export, counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from licensehub.cli import main
from licensehub.ledger.tables import imports, tenants, users
from tests.conftest import ClientFactory

SERVICE = "c7a9e4d2-5b18-4f3a-a6c0-81e2f5d7b903"  # the demo's Relecloud Direct Routing service


def relecloud_users(engine: Engine, count: int) -> list[str]:
    with engine.connect() as connection:
        return [
            str(object_id)
            for object_id in connection.execute(
                select(users.c.object_id)
                .join(tenants, tenants.c.id == users.c.tenant_id)
                .where(tenants.c.name == "Relecloud", users.c.deleted_at.is_(None))
                .order_by(users.c.id.desc())
                .limit(count)
            ).scalars()
        ]


def assignment(number: str, kind: str, status: str, target: str | None) -> dict[str, Any]:
    """One object as Get-CsPhoneNumberAssignment | ConvertTo-Json writes it."""
    return {
        "TelephoneNumber": number,
        "OperatorId": "83d289bc-a4d3-41e6-8a3f-cff260a3f05a",
        "NumberType": kind,
        "ActivationState": "Activated",
        "AssignedPstnTargetId": target,
        "AssignmentCategory": "Primary",
        "Capability": ["UserAssignment"],
        "City": "Redmond",
        "IsoCountryCode": "US",
        "NumberSource": "OnPremises",
        "PstnAssignmentStatus": status,
        "PstnPartnerId": None,
        "PstnPartnerName": "",
    }


def export(path: Path, object_ids: list[str], extra: list[dict[str, Any]] | None = None) -> Path:
    rows = [
        assignment(f"+1425700{i:04d}", "DirectRouting", "UserAssigned", oid.upper())
        for i, oid in enumerate(object_ids)
    ]
    rows += [
        assignment(
            "+14257009000",
            "DirectRouting",
            "ConferenceAssigned",
            "0b1c2d3e-0000-4000-8000-000000000001",
        ),
        assignment(
            "+14257009001",
            "OperatorConnect",
            "VoiceApplicationAssigned",
            "0b1c2d3e-0000-4000-8000-000000000002",
        ),
        assignment("+14257009002", "DirectRouting", "Unassigned", None),
    ]
    path.write_text(json.dumps(rows + (extra or []), indent=4), encoding="utf-8-sig")
    return path


def cli(url: str, *args: str) -> Any:
    return CliRunner().invoke(
        main, ["import", "teams-numbers", *args], env={"LICENSEHUB_DATABASE_URL": url}
    )


def license_info(make_client: ClientFactory, url: str) -> dict[str, Any]:
    token = (
        CliRunner()
        .invoke(main, ["token", "create"], env={"LICENSEHUB_DATABASE_URL": url})
        .stdout.strip()
    )
    with make_client(url) as client:
        client: TestClient  # type: ignore[no-redef]
        body: dict[str, Any] = client.get(
            f"/api/v3/customer/{SERVICE}/licenseinfo", headers={"Authorization": f"Bearer {token}"}
        ).json()[0]
    return body


def test_an_export_replaces_the_services_numbers_and_is_counted(
    demo_url: str, demo_engine: Engine, make_client: ClientFactory, tmp_path: Path
) -> None:
    people = relecloud_users(demo_engine, 12)
    result = cli(
        demo_url, "--service", SERVICE, str(export(tmp_path / "numbers.json", people[:10]))
    )
    assert result.exit_code == 0, result.output
    assert "13 rows read, 13 created" in result.output
    assert "removed" in result.output
    record = license_info(make_client, demo_url)
    # 10 Direct Routing users (who no longer have the demo's numbers), the voice app's
    # Operator Connect number, the conference bridge's Direct Routing number.
    assert record["managedUsersDirectRouting"] == 10
    assert record["managedUsersOperatorConnect"] == 1
    assert record["managedServiceNumbers"] == 1
    newer = cli(demo_url, "--service", SERVICE, str(export(tmp_path / "newer.json", people[2:12])))
    assert "0 created" not in newer.output or "removed" in newer.output
    assert license_info(make_client, demo_url)["managedUsersDirectRouting"] == 10
    again = cli(demo_url, "--service", SERVICE, str(tmp_path / "newer.json"))
    assert "0 created, 0 updated, 0 removed" in again.output


def test_a_single_number_object_and_a_value_wrapper(
    demo_url: str, demo_engine: Engine, tmp_path: Path
) -> None:
    [person] = relecloud_users(demo_engine, 1)
    single = tmp_path / "one.json"
    single.write_text(
        json.dumps(assignment("+14257001234", "DirectRouting", "UserAssigned", person))
    )
    assert "1 rows read, 1 created" in cli(demo_url, "--service", SERVICE, str(single)).output
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(
        json.dumps(
            {
                "value": [assignment("+14257001234", "DirectRouting", "UserAssigned", person)],
                "Count": 1,
            }
        )
    )
    assert (
        "1 rows read, 0 created, 0 updated"
        in cli(demo_url, "--service", SERVICE, str(wrapped)).output
    )


def test_a_broken_last_item_changes_nothing(
    demo_url: str, demo_engine: Engine, make_client: ClientFactory, tmp_path: Path
) -> None:
    before = license_info(make_client, demo_url)
    path = export(
        tmp_path / "numbers.json",
        relecloud_users(demo_engine, 3),
        extra=[assignment("+1425", "Fax", "UserAssigned", "x")],
    )
    result = cli(demo_url, "--service", SERVICE, str(path))
    assert result.exit_code == 1
    assert "numbers.json at $[6]" in result.output
    after = license_info(make_client, demo_url)
    assert after["managedUsersDirectRouting"] == before["managedUsersDirectRouting"]


def test_the_service_must_exist(demo_url: str, tmp_path: Path) -> None:
    path = export(tmp_path / "numbers.json", [])
    missing = cli(demo_url, "--service", "00000000-0000-4000-8000-000000000000", str(path))
    assert missing.exit_code == 1
    assert "no voice service" in missing.output
    assert cli(demo_url, str(path)).exit_code == 1


def test_the_import_is_recorded_for_the_services_tenant(
    demo_url: str, demo_engine: Engine, tmp_path: Path
) -> None:
    cli(demo_url, "--service", SERVICE, str(export(tmp_path / "numbers.json", [])))
    with demo_engine.connect() as connection:
        recorded = connection.execute(
            select(tenants.c.name).join(imports, imports.c.tenant_id == tenants.c.id)
        ).scalar_one()
    assert recorded == "Relecloud"
