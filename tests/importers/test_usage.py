"""`licensehub import usage`: Partner Center usage rows from JSON or CSV, end to end through
the CLI and the HTTP upload, with the analytics endpoint reading them back."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, insert, select

from licensehub.cli import main
from licensehub.ledger.statistics import ANALYZE_AFTER, planned_rows
from licensehub.ledger.tables import imports, license_usage, partners, tenants
from tests.conftest import ClientFactory
from tests.shared import SHARED

COLUMNS = (
    "processedDateTime", "workloadCode", "workloadName", "serviceCode", "serviceName", "channel",
    "customerTenantId", "customerName", "productId", "productName", "licensesActive",
    "licensesQualified",
)  # fmt: skip
E3 = "6FD2C87F-B296-42F0-B197-1E91E994B900"


def usage_rows(tenant_ids: list[str], days: int = 3) -> list[dict[str, Any]]:
    rows = []
    for day in range(1, days + 1):
        for index, tenant in enumerate(tenant_ids):
            for code, name in (("EXO", "Exchange"), ("SPO", "SharePoint"), ("TEAMS", "Teams")):
                rows.append(
                    {
                        "processedDateTime": f"2026-10-{day:02d}T00:00:00",
                        "workloadCode": code,
                        "workloadName": name,
                        "serviceCode": "o365",
                        "serviceName": "Microsoft Office 365",
                        "channel": "reseller",
                        "customerTenantId": tenant,
                        "customerName": f"CUSTOMER {index}",
                        "productId": E3,
                        "productName": "OFFICE 365 ENTERPRISE E3",
                        "licensesActive": day + index,
                        "licensesQualified": 10 + day + index,
                    }
                )
    return rows


def write_json(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"Value": rows, "TotalCount": len(rows)}), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def partner(engine: Engine) -> int:
    with engine.begin() as connection:
        return int(
            connection.execute(
                insert(partners).values(name="Contoso Cloud Partners").returning(partners.c.id)
            ).scalar_one()
        )


def cli(url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["import", *args], env={"LICENSEHUB_DATABASE_URL": url})


def usage_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(license_usage)).scalar_one())


def test_json_import_creates_tenants_and_rows(
    engine: Engine, ledger_url: str, partner: int, tmp_path: Path
) -> None:
    tenant_ids = [str(uuid.uuid4()).upper() for _ in range(4)]
    file = write_json(tmp_path / "usage.json", usage_rows(tenant_ids))
    result = cli(ledger_url, "usage", str(file), "--partner", str(partner))
    assert result.exit_code == 0, result.output
    assert "36 rows read, 36 created, 0 updated" in result.output
    assert usage_count(engine) == 36
    with engine.connect() as connection:
        names = set(connection.execute(select(tenants.c.name)).scalars())
    assert names == {f"CUSTOMER {i}" for i in range(4)}


def test_a_first_large_import_gives_postgresql_statistics_of_its_rows(
    engine: Engine, ledger_url: str, partner: int, tmp_path: Path
) -> None:
    """Planned from the empty ledger's statistics, each batch's lookup of its rows already
    recorded read every row imported before it: 103 s for 120,000 rows (ledger/statistics.py)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans the lookup without statistics")
    tenant_ids = [str(uuid.uuid4()) for _ in range(12)]
    file = write_csv(tmp_path / "usage.csv", usage_rows(tenant_ids, days=30))  # 1,080 rows
    assert cli(ledger_url, "usage", str(file), "--partner", str(partner)).exit_code == 0
    with engine.connect() as connection:
        assert planned_rows(connection, license_usage) >= ANALYZE_AFTER  # was 0: empty


def test_the_same_file_twice_changes_nothing_and_says_so(
    engine: Engine, ledger_url: str, partner: int, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "usage.csv", usage_rows([str(uuid.uuid4())]))
    assert cli(ledger_url, "usage", str(file), "--partner", str(partner)).exit_code == 0
    again = cli(ledger_url, "usage", str(file), "--partner", str(partner))
    assert again.exit_code == 0
    assert "0 created, 0 updated" in again.output
    assert "nothing changed" in again.output
    assert "the same content as import #1" in again.output
    assert usage_count(engine) == 9


def test_a_newer_row_replaces_the_recorded_one(
    engine: Engine, ledger_url: str, partner: int, tmp_path: Path
) -> None:
    rows = usage_rows([str(uuid.uuid4())], days=1)
    cli(ledger_url, "usage", str(write_json(tmp_path / "a.json", rows)), "--partner", str(partner))
    rows[0]["licensesActive"] = 99
    del rows[1]["licensesActive"]
    rows[1]["licenseActive"] = 7  # the page's other spelling is read too
    result = cli(ledger_url, "usage", str(write_json(tmp_path / "b.json", rows)))
    assert "0 created, 2 updated" in result.output
    with engine.connect() as connection:
        active = set(connection.execute(select(license_usage.c.licenses_active)).scalars())
    assert {99, 7} <= active


def test_a_file_broken_at_its_last_line_changes_nothing(
    engine: Engine, ledger_url: str, partner: int, tmp_path: Path
) -> None:
    good = usage_rows([str(uuid.uuid4())])
    cli(
        ledger_url, "usage", str(write_csv(tmp_path / "first.csv", good)), "--partner", str(partner)
    )
    before = usage_count(engine)
    rows = usage_rows([str(uuid.uuid4()), str(uuid.uuid4())])
    rows[0]["licensesActive"] = 1000
    rows[-1]["productId"] = "not-a-guid"
    broken = write_csv(tmp_path / "broken.csv", rows)
    result = cli(ledger_url, "usage", str(broken), "--partner", str(partner))
    assert result.exit_code == 1
    assert (
        f"broken.csv at line {len(rows) + 1}: productId 'not-a-guid' is not a GUID" in result.output
    )
    assert "nothing changed" in result.output
    assert usage_count(engine) == before
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(tenants)).scalar() == 1
        statuses = connection.execute(select(imports.c.status).order_by(imports.c.id)).scalars()
        assert list(statuses) == ["succeeded", "failed"]


def test_truncated_json_is_refused_with_its_path(
    ledger_url: str, partner: int, tmp_path: Path
) -> None:
    file = write_json(tmp_path / "usage.json", usage_rows([str(uuid.uuid4())]))
    file.write_bytes(file.read_bytes()[:-40])
    result = cli(ledger_url, "usage", str(file), "--partner", str(partner))
    assert result.exit_code == 1
    assert "usage.json at $.Value[" in result.output


def test_an_unknown_tenant_without_a_partner_is_refused(ledger_url: str, tmp_path: Path) -> None:
    file = write_json(tmp_path / "usage.json", usage_rows([str(uuid.uuid4())]))
    result = cli(ledger_url, "usage", str(file))
    assert result.exit_code == 1
    assert "give --partner" in result.output


def test_microsofts_published_example_is_refused_clearly(ledger_url: str, tmp_path: Path) -> None:
    name = "pc-docs_get-licenses-usage-information_example.VERBATIM-INVALID.json.txt"
    example = SHARED / "data/partner-center" / name
    if not example.exists():
        pytest.skip("../shared is not beside this checkout")
    result = cli(ledger_url, "usage", str(example))
    assert result.exit_code == 1
    assert "not valid JSON" in result.output


def test_upload_over_http_then_read_back(
    make_client: ClientFactory, ledger_url: str, engine: Engine, partner: int, tmp_path: Path
) -> None:
    writer = (
        CliRunner()
        .invoke(main, ["token", "create", "--write"], env={"LICENSEHUB_DATABASE_URL": ledger_url})
        .stdout.strip()
    )
    reader = (
        CliRunner()
        .invoke(main, ["token", "create"], env={"LICENSEHUB_DATABASE_URL": ledger_url})
        .stdout.strip()
    )
    tenant = str(uuid.uuid4())
    body = json.dumps({"Value": usage_rows([tenant])}).encode()
    with make_client(ledger_url) as client:
        refused = client.post(
            f"/imports/usage?partner={partner}",
            content=body,
            headers={"Authorization": f"Bearer {reader}"},
        )
        assert refused.status_code == 403
        response = client.post(
            f"/imports/usage?partner={partner}&filename=usage.json",
            content=body,
            headers={"Authorization": f"Bearer {writer}", "Content-Type": "application/json"},
        )
        assert response.status_code == 201, response.text
        record = response.json()
        assert (record["status"], record["read"], record["created"]) == ("succeeded", 9, 9)
        assert record["files"] == "usage.json"
        multipart = client.post(
            "/imports/usage",
            files=[("file", ("again.json", body, "application/json"))],
            headers={"Authorization": f"Bearer {writer}"},
        )
        assert multipart.json()["sameAs"] == record["id"]
        usage = client.get(
            "/partner/v1/analytics/commercial/usage/license",
            params={"filter": f"customerTenantId eq '{tenant}'", "processedDateTime": "2026-10-03"},
            headers={"Authorization": f"Bearer {reader}"},
        ).json()
        assert usage["TotalCount"] == 3
        listed = client.get("/imports", headers={"Authorization": f"Bearer {reader}"}).json()
        assert [r["id"] for r in listed] == [record["id"] + 1, record["id"]]
        broken = client.post(
            "/imports/usage",
            content=b'{"Value": [{"x": 1}]}',
            headers={"Authorization": f"Bearer {writer}"},
        )
        assert broken.status_code == 400
        assert broken.json()["errors"][0]["location"] == "$.Value[0]"
        assert (
            client.get("/imports/9999", headers={"Authorization": f"Bearer {reader}"}).status_code
            == 404
        )
