"""Workload usage: per processing date, tenant, product and workload, how many licenses
qualify for the workload and how many of those are active (Partner Center's license usage)."""

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, ForeignKey, Index, String, Table

from licensehub.ledger.tables.base import GUID, BigId, id_column, metadata

license_usage = Table(
    "license_usage",
    metadata,
    id_column(),
    Column("processed_date", Date, nullable=False),
    Column("tenant_id", BigId, ForeignKey("tenants.id"), nullable=False),
    # A product id as the source reported it; not tied to the catalog, because usage rows
    # may name products the catalog does not (yet) know.
    Column("product_id", GUID, nullable=False),
    Column("workload_code", String(16), nullable=False),
    Column("workload_name", String(128), nullable=False),
    Column("service_code", String(32), nullable=False),
    Column("service_name", String(128), nullable=False),
    Column("channel", String(32), nullable=False),
    # The names as recorded with the row, not today's names: history keeps what it said.
    Column("customer_name", String(256), nullable=False),
    Column("product_name", String(256), nullable=False),
    Column("licenses_active", BigInteger, nullable=False),
    Column("licenses_qualified", BigInteger, nullable=False),
    CheckConstraint("licenses_active >= 0 AND licenses_qualified >= 0", name="counts_not_negative"),
)
# One row per date, tenant, product and workload; it also serves "everything on one date".
Index(
    "uq_license_usage_row",
    license_usage.c.processed_date,
    license_usage.c.tenant_id,
    license_usage.c.product_id,
    license_usage.c.workload_code,
    unique=True,
)
# A single tenant's history.
Index("ix_license_usage_tenant_date", license_usage.c.tenant_id, license_usage.c.processed_date)
