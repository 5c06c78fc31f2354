"""Microsoft's product catalog: SKUs, service plans, and which plans each SKU includes.

Global data: it belongs to no tenant and every tenant reads it.
"""

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text

from licensehub.ledger.tables.base import GUID, metadata

LICENSE_GROUPS = ("group1", "group2")  # group1: licenses managed in Entra ID; group2: Minecraft
TARGET_TYPES = ("User", "Company", "Tenant")

skus = Table(
    "skus",
    metadata,
    Column("sku_id", GUID, primary_key=True),
    # Not unique: Microsoft's catalog gives MCOPSTN5 two SKU GUIDs.
    Column("sku_part_number", String(128), nullable=False, index=True),
    Column("product_name", String(256), nullable=False),
    Column("license_group", String(8), nullable=False, server_default="group1"),
    Column("target_type", String(16), nullable=False, server_default="User"),
    # The SKU's service plans as Partner Center's JSON text (partner_center/plan_bodies.py);
    # NULL until written, and again whenever the plans change (migration 0008's triggers).
    Column("plans_body", Text, nullable=True),
    CheckConstraint("license_group IN ('group1', 'group2')", name="license_group"),
)

service_plans = Table(
    "service_plans",
    metadata,
    Column("service_plan_id", GUID, primary_key=True),
    Column("service_name", String(128), nullable=False),
    Column("display_name", String(256), nullable=False),
    Column("target_type", String(16), nullable=False, server_default="User"),
)

sku_service_plans = Table(
    "sku_service_plans",
    metadata,
    Column("sku_id", GUID, ForeignKey("skus.sku_id", ondelete="CASCADE"), primary_key=True),
    Column(
        "service_plan_id",
        GUID,
        ForeignKey("service_plans.service_plan_id"),
        primary_key=True,
        index=True,
    ),
)
