"""Who may call the API. Every principal sees everything (operator), one partner's customers
(partner), or one tenant (customer); the check keeps the scope columns honest."""

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, String, Table, false

from licensehub.ledger.tables.base import BigId, UtcDateTime, id_column, metadata, utcnow

PRINCIPAL_KINDS = ("operator", "partner", "customer")

principals = Table(
    "principals",
    metadata,
    id_column(),
    Column("kind", String(16), nullable=False),
    Column("name", String(256), nullable=False),
    Column("partner_id", BigId, ForeignKey("partners.id"), index=True),
    Column("tenant_id", BigId, ForeignKey("tenants.id"), index=True),
    Column("can_write", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    Column("disabled_at", UtcDateTime),
    CheckConstraint(
        "(kind = 'operator' AND partner_id IS NULL AND tenant_id IS NULL)"
        " OR (kind = 'partner' AND partner_id IS NOT NULL AND tenant_id IS NULL)"
        " OR (kind = 'customer' AND tenant_id IS NOT NULL AND partner_id IS NULL)",
        name="scope_matches_kind",
    ),
)
