"""Backup organizations (Veeam Backup for Microsoft 365) and the users they protect."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    false,
)

from licensehub.ledger.tables.base import GUID, BigId, UtcDateTime, id_column, metadata, utcnow

LICENSE_TYPES = ("Subscription", "Rental")

backup_organizations = Table(
    "backup_organizations",
    metadata,
    id_column(),
    Column("tenant_id", BigId, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("organization_id", GUID, nullable=False, unique=True),
    Column("name", String(256), nullable=False),
    Column("office_name", String(256)),
    Column("type", String(24), nullable=False, server_default="Office365"),
    Column("is_backed_up", Boolean, nullable=False, server_default=false()),
    Column("first_backup_time", UtcDateTime),
    Column("last_backup_time", UtcDateTime),
    Column("license_type", String(16), nullable=False, server_default="Subscription"),
    Column("licensed_users_limit", Integer, nullable=False, server_default="0"),
    Column("license_expires_at", UtcDateTime),
    # Rental licenses: the current trial or billing period, which decides who is "New".
    Column("period_started_at", UtcDateTime),
    Column("trial_expires_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    CheckConstraint("license_type IN ('Subscription', 'Rental')", name="license_type"),
    CheckConstraint("licensed_users_limit >= 0", name="limit_not_negative"),
)

backup_protected_users = Table(
    "backup_protected_users",
    metadata,
    id_column(),
    Column(
        "organization_id",
        BigId,
        ForeignKey("backup_organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # Veeam's own id for the user.
    Column("backup_user_id", GUID, nullable=False),
    # The ledger's user, when it is known.
    Column("user_id", BigId, ForeignKey("users.id"), index=True),
    Column("name", String(256), nullable=False),
    Column("email", String(320)),
    Column("first_backup_time", UtcDateTime),
    Column("last_backup_time", UtcDateTime),
    UniqueConstraint("organization_id", "backup_user_id"),
)
