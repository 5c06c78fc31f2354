"""The files figure 3 imports: an active user detail report and a Graph export of one tenant,
written streaming (a million rows are never held in memory) and kept in bench/.work.

Both are built from what the importers themselves declare (the report's columns, the
workloads and their service plans), so that the bench needs nothing outside this repository."""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.stores import work_file
from licensehub.importers import activity
from licensehub.ledger.workloads import WORKLOADS

TENANT = uuid.UUID("b3e1c0de-0000-4000-8000-000000000001")
REFRESH = date(2026, 11, 20)
GRAPH_PAGE = 999  # Graph's largest page of users ($top=999)
ASSIGNED = datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)


@dataclass(frozen=True)
class Product:
    sku_id: uuid.UUID
    part_number: str
    name: str
    plans: tuple[tuple[uuid.UUID, str], ...]  # service plan id, service plan name


def plan_id(name: str) -> uuid.UUID:
    return uuid.uuid5(TENANT, name)


def product(part_number: str, name: str, *plans: str) -> Product:
    sku_id = uuid.uuid5(TENANT, part_number)
    return Product(sku_id, part_number, name, tuple((plan_id(plan), plan) for plan in plans))


# A tenant's usual mix: suites licensing every workload, plans licensing a few, one licensing
# none of the six (its users are counted nowhere, as Partner Center does).
PRODUCTS = (
    product("SPE_E5", "Microsoft 365 E5", "EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE",
            "MCOSTANDARD", "YAMMER_ENTERPRISE", "TEAMS1", "BI_AZURE_P2", "ATP_ENTERPRISE"),
    product("SPE_E3", "Microsoft 365 E3", "EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE",
            "MCOSTANDARD", "YAMMER_ENTERPRISE", "TEAMS1"),
    product("O365_BUSINESS_PREMIUM", "Microsoft 365 Business Standard", "EXCHANGE_S_STANDARD",
            "SHAREPOINTSTANDARD", "MCOSTANDARD", "YAMMER_ENTERPRISE", "TEAMS1"),
    product("EXCHANGESTANDARD", "Exchange Online (Plan 1)", "EXCHANGE_S_STANDARD"),
    product("WACONEDRIVESTANDARD", "OneDrive for Business (Plan 1)", "ONEDRIVESTANDARD"),
    product("POWER_BI_PRO", "Power BI Pro", "BI_AZURE_P2"),
    product("VISIOCLIENT", "Visio Plan 2", "VISIO_CLIENT_SUBSCRIPTION", "ONEDRIVE_BASIC"),
)  # fmt: skip

# The report's columns in Microsoft's order. The two name columns are the report's own: the
# importer never reads them, but it parses every row they are on.
REPORT_HEADER = (
    activity.REFRESH,
    "User Principal Name",
    "Display Name",
    activity.DELETED,
    "Deleted Date",
    *activity.FLAGS[1:],
    *activity.ACTIVITY,
    *activity.OTHER_DATES[1:],
    activity.PRODUCTS,
)


def cached(name: str, write: Any) -> Path:
    """A file made once per size; written under another name first, so that an interrupted
    run never leaves a half file to be reused."""
    path = work_file(name)
    if not path.exists():
        partial = path.with_suffix(".partial")
        write(partial)
        partial.rename(path)
    return path


# --- The active user detail report ------------------------------------------------------------


def activity_report(rows: int) -> Path:
    return cached(f"active-user-detail-{rows}.csv", lambda path: write_report(path, rows))


def write_report(path: Path, rows: int) -> None:
    rng = random.Random(20261120)
    days = [(REFRESH - timedelta(days=n)).isoformat() for n in range(400)]
    # Most users hold one product, some two or three, a few none (shared mailboxes).
    names = [p.name for p in PRODUCTS]
    held = [*([1] * 12), *([2] * 4), 3, 0]
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(REPORT_HEADER)
        for n in range(rows):
            deleted = rng.random() < 0.03
            licensed = [rng.random() < 0.85 for _ in WORKLOADS]
            last = ["" if rng.random() < 0.15 else days[int(rng.random() * 200)] for _ in WORKLOADS]
            products = rng.sample(names, rng.choice(held))
            writer.writerow(
                [
                    REFRESH.isoformat(),
                    f"user{n}@bench.example.com",
                    f"Bench User {n}",
                    "True" if deleted else "False",
                    days[rng.randrange(30)] if deleted else "",
                    *("True" if has else "False" for has in licensed),
                    *last,
                    *(days[300 + n % 100] if has else "" for has in licensed),
                    "+".join(products),
                ]
            )


# --- The Graph export -------------------------------------------------------------------------


def graph_export(users: int) -> list[Path]:
    """subscribedSkus.json, then the users in pages of GRAPH_PAGE, one file a page."""
    skus = cached(f"graph-{users}-subscribedSkus.json", write_skus)
    pages = (users + GRAPH_PAGE - 1) // GRAPH_PAGE
    files = [skus]
    for page in range(pages):
        first, last = page * GRAPH_PAGE, min(users, (page + 1) * GRAPH_PAGE)
        files.append(
            cached(
                f"graph-{users}-users-{page + 1:04}.json",
                lambda path, first=first, last=last: write_users(path, first, last),
            )
        )
    return files


def write_skus(path: Path) -> None:
    items = [
        {
            "capabilityStatus": "Enabled",
            "consumedUnits": 0,
            "id": f"{TENANT}_{p.sku_id}",
            "prepaidUnits": {"enabled": 500_000, "suspended": 0, "warning": 0, "lockedOut": 0},
            "servicePlans": [
                {"servicePlanId": str(plan), "servicePlanName": name, "appliesTo": "User",
                 "provisioningStatus": "Success"}
                for plan, name in p.plans
            ],
            "skuId": str(p.sku_id),
            "skuPartNumber": p.part_number,
            "appliesTo": "User",
        }
        for p in PRODUCTS
    ]  # fmt: skip
    context = "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus"
    path.write_text(json.dumps({"@odata.context": context, "value": items}, indent=2))


def write_users(path: Path, first: int, last: int) -> None:
    """One page, written item by item as Graph sends it."""
    context = (
        "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,displayName,"
        "accountEnabled,assignedLicenses,assignedPlans)"
    )
    with path.open("w", encoding="utf-8") as file:
        file.write(f'{{"@odata.context": {json.dumps(context)}, "value": [\n')
        for n, user in enumerate(graph_users(first, last)):
            file.write((",\n" if n else "") + json.dumps(user))
        file.write("\n]}\n")


def graph_users(first: int, last: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(first)
    for index in range(first, last):
        held = rng.sample(PRODUCTS, rng.choice((1, 1, 1, 1, 2, 2, 3)) if index % 40 else 0)
        licenses = [
            {
                "skuId": str(p.sku_id),
                # One user in six has a plan switched off (Yammer, most often).
                "disabledPlans": [str(p.plans[-1][0])] if rng.random() < 1 / 6 else [],
            }
            for p in held
        ]
        plans = [
            {
                "assignedDateTime": (ASSIGNED + timedelta(days=index % 700)).isoformat(),
                "capabilityStatus": "Enabled",
                "service": name.split("_")[0].lower(),
                "servicePlanId": str(plan),
            }
            for p in held
            for plan, name in p.plans
        ]
        yield {
            "id": str(uuid.UUID(int=(TENANT.int & ~0xFFFFFFFF) | index)),
            "userPrincipalName": f"user{index}@bench.example.com",
            "displayName": f"Bench User {index}",
            "accountEnabled": index % 23 != 0,
            "assignedLicenses": licenses,
            "assignedPlans": plans,
        }
