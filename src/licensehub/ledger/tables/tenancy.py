"""Partners (MSPs / CSPs) and the customer tenants each one serves."""

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table

from licensehub.ledger.tables.base import GUID, BigId, UtcDateTime, id_column, metadata, utcnow

partners = Table(
    "partners",
    metadata,
    id_column(),
    Column("name", String(256), nullable=False),
    # The partner's own Entra ID tenant, when known.
    Column("partner_tenant_id", GUID, unique=True),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
)

tenants = Table(
    "tenants",
    metadata,
    id_column(),
    Column("tenant_id", GUID, nullable=False, unique=True),
    Column("partner_id", BigId, ForeignKey("partners.id"), nullable=False),
    Column("name", String(256), nullable=False),
    Column("default_domain", String(256)),
    # Partner Center's channel: how the customer buys (reseller, direct, ...).
    Column("channel", String(32), nullable=False, server_default="reseller"),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    Column("updated_at", UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    CheckConstraint("name <> ''", name="name_not_empty"),
)

Index("ix_tenants_partner_id_name", tenants.c.partner_id, tenants.c.name)
