"""From files to answers: a partner imports Microsoft's catalog, a tenant's Graph export and
its active user report, and the Partner Center APIs answer with the numbers counted here."""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections import Counter
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from licensehub.cli import main
from licensehub.ledger.tables import partners
from tests.conftest import ClientFactory

E3 = uuid.UUID("05e9a617-0261-4cee-bb44-138d3ef5d965")  # Microsoft 365 E3 (SPE_E3)
BI = uuid.UUID("f8a1db68-be16-40ed-86d5-cb42ce701560")  # Power BI Pro
REFRESH = date(2026, 11, 20)
HEADER = [
    "Report Refresh Date",
    "User Principal Name",
    "Display Name",
    "Is Deleted",
    "Deleted Date",
    "Has Exchange License",
    "Has OneDrive License",
    "Has SharePoint License",
    "Has Skype For Business License",
    "Has Yammer License",
    "Has Teams License",
    "Exchange Last Activity Date",
    "OneDrive Last Activity Date",
    "SharePoint Last Activity Date",
    "Skype For Business Last Activity Date",
    "Yammer Last Activity Date",
    "Teams Last Activity Date",
    "Exchange License Assign Date",
    "OneDrive License Assign Date",
    "SharePoint License Assign Date",
    "Skype For Business License Assign Date",
    "Yammer License Assign Date",
    "Teams License Assign Date",
    "Assigned Products",
]


def cli(url: str, *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"LICENSEHUB_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return result.stdout


def graph_export(folder: Path, tenant: uuid.UUID, people: list[dict[str, Any]]) -> list[Path]:
    seats = [
        {
            "id": f"{tenant}_{sku}",
            "skuId": str(sku),
            "skuPartNumber": part,
            "capabilityStatus": "Enabled",
            "consumedUnits": 0,
            "appliesTo": "User",
            "prepaidUnits": {"enabled": units, "suspended": 0, "warning": 0, "lockedOut": 0},
            "servicePlans": [],
        }
        for sku, part, units in ((E3, "SPE_E3", 1000), (BI, "POWER_BI_PRO", 300))
    ]
    files = [folder / "subscribedSkus.json"]
    files[0].write_text(
        json.dumps(
            {
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus",
                "value": seats,
            }
        )
    )
    for page, start in enumerate(range(0, len(people), 400)):
        path = folder / f"users-{page}.json"
        path.write_text(
            json.dumps(
                {
                    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
                    "value": people[start : start + 400],
                }
            )
        )
        files.append(path)
    return files


def activity_report(
    path: Path, people: list[dict[str, Any]], rng: random.Random
) -> dict[str, Counter[str]]:
    """The report, and per product how many hold Exchange and used it within 30 days."""
    counted: dict[str, Counter[str]] = {"qualified": Counter(), "active": Counter()}
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER)
        for person in people:
            products = ["Microsoft 365 E3"] + (
                ["Power BI Pro"] if len(person["assignedLicenses"]) > 1 else []
            )
            seen = REFRESH - timedelta(days=rng.randint(0, 60)) if rng.random() < 0.8 else None
            active = seen is not None and seen > REFRESH - timedelta(days=30)
            for product in products:
                counted["qualified"][product] += 1
                counted["active"][product] += active
            row = {name: "" for name in HEADER} | {
                "Report Refresh Date": REFRESH.isoformat(),
                "User Principal Name": person["userPrincipalName"],
                "Display Name": person["displayName"],
                "Is Deleted": "False",
                "Has Exchange License": "True",
                "Exchange Last Activity Date": seen.isoformat() if seen else "",
                "Assigned Products": "+".join(products),
            }
            for workload in ("OneDrive", "SharePoint", "Skype For Business", "Yammer", "Teams"):
                row[f"Has {workload} License"] = "False"
            writer.writerow([row[name] for name in HEADER])
    return counted


def test_files_in_answers_out(
    engine: Engine, ledger_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    rng = random.Random(7)
    tenant = uuid.uuid4()
    people = [
        {
            "id": str(uuid.uuid4()),
            "userPrincipalName": f"user{i}@fabrikam.example",
            "displayName": f"User {i}",
            "accountEnabled": True,
            "assignedLicenses": [{"skuId": str(E3), "disabledPlans": []}]
            + ([{"skuId": str(BI), "disabledPlans": []}] if rng.random() < 0.3 else []),
        }
        for i in range(1500)
    ]
    with engine.begin() as connection:
        partner = connection.execute(
            insert(partners).values(name="MSP").returning(partners.c.id)
        ).scalar_one()
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(resources.files("licensehub.demo").joinpath("catalog.csv").read_text())
    cli(ledger_url, "import", "catalog", str(catalog))
    files = graph_export(tmp_path, tenant, people)
    cli(ledger_url, "import", "graph", *map(str, files), "--partner", str(partner))
    counted = activity_report(tmp_path / "report.csv", people, rng)
    cli(ledger_url, "import", "activity", str(tmp_path / "report.csv"), "--tenant", str(tenant))
    token = cli(ledger_url, "token", "create").strip()

    with make_client(ledger_url) as client:
        client: TestClient  # type: ignore[no-redef]
        client.headers["Authorization"] = f"Bearer {token}"
        seats = {
            item["productSku"]["skuPartNumber"]: item
            for item in client.get(f"/v1/customers/{tenant}/subscribedskus").json()["items"]
        }
        holders = Counter(lic["skuId"] for p in people for lic in p["assignedLicenses"])
        assert seats["SPE_E3"]["consumedUnits"] == holders[str(E3)] == 1500
        assert seats["POWER_BI_PRO"]["consumedUnits"] == holders[str(BI)]
        assert seats["SPE_E3"]["productSku"]["name"] == "Microsoft 365 E3"  # named by the catalog
        someone = next(p for p in people if len(p["assignedLicenses"]) == 2)
        licenses = client.get(
            f"/v1/customers/{tenant}/users/{someone['userPrincipalName']}/licenses"
        ).json()
        assert {item["productSku"]["id"] for item in licenses["items"]} == {str(E3), str(BI)}
        usage = client.get(
            "/partner/v1/analytics/commercial/usage/license",
            params={"filter": f"customerTenantId eq '{tenant}' and workloadCode eq 'EXO'"},
        ).json()
    by_product = {row["productName"]: row for row in usage["Value"]}
    assert by_product["MICROSOFT 365 E3"]["processedDateTime"] == f"{REFRESH.isoformat()}T00:00:00"
    assert (
        by_product["MICROSOFT 365 E3"]["licensesQualified"]
        == counted["qualified"]["Microsoft 365 E3"]
    )
    assert by_product["MICROSOFT 365 E3"]["licensesActive"] == counted["active"]["Microsoft 365 E3"]
