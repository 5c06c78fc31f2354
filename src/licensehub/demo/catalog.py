"""The demo's product catalog: a clean subset of Microsoft's "Product names and service plan
identifiers for licensing" CSV (catalog.csv beside this file), with the real SKU and service
plan ids, so the demo looks like a real tenant's data on a fresh clone."""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass, field
from importlib import resources

from sqlalchemy import Connection, insert

from licensehub.ledger.tables import service_plans, sku_service_plans, skus
from licensehub.partner_center.plan_bodies import write_plan_bodies

# Minecraft Education is Partner Center's license group 2; everything else is group 1.
GROUP2_PART_NUMBERS = frozenset({"MEE_FACULTY", "MEE_STUDENT"})


@dataclass
class Sku:
    sku_id: uuid.UUID
    part_number: str
    product_name: str
    plans: dict[uuid.UUID, str] = field(default_factory=dict)  # service plan id -> name

    @property
    def plan_names(self) -> frozenset[str]:
        return frozenset(self.plans.values())


def catalog_rows() -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath("catalog.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def load_catalog(connection: Connection) -> dict[str, Sku]:
    """Write the catalog and return its SKUs by skuPartNumber."""
    catalog: dict[str, Sku] = {}
    plan_rows: dict[uuid.UUID, dict[str, object]] = {}
    for row in catalog_rows():
        sku = catalog.setdefault(
            row["String_Id"],
            Sku(uuid.UUID(row["GUID"]), row["String_Id"], row["Product_Display_Name"]),
        )
        plan_id = uuid.UUID(row["Service_Plan_Id"])
        sku.plans[plan_id] = row["Service_Plan_Name"]
        # A plan id can carry several names across SKUs; the first one read wins.
        plan_rows.setdefault(
            plan_id,
            {
                "service_plan_id": plan_id,
                "service_name": row["Service_Plan_Name"],
                "display_name": row["Service_Plans_Included_Friendly_Names"],
                "target_type": "User",
            },
        )
    connection.execute(
        insert(skus),
        [
            {
                "sku_id": sku.sku_id,
                "sku_part_number": sku.part_number,
                "product_name": sku.product_name,
                "license_group": "group2" if sku.part_number in GROUP2_PART_NUMBERS else "group1",
                "target_type": "User",
            }
            for sku in catalog.values()
        ],
    )
    connection.execute(insert(service_plans), list(plan_rows.values()))
    connection.execute(
        insert(sku_service_plans),
        [
            {"sku_id": sku.sku_id, "service_plan_id": plan_id}
            for sku in catalog.values()
            for plan_id in sku.plans
        ],
    )
    write_plan_bodies(connection)
    return catalog
