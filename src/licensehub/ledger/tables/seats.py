"""What each tenant bought (subscriptions) and who holds it (users and license assignments).

Subscriptions and assignments are versioned: a change closes the current row (valid_to) and
opens a new one, so seats and assignment counts can be answered as of any past instant with
``valid_from <= t AND (valid_to IS NULL OR valid_to > t)``. The current state is the rows whose
valid_to is NULL, and a partial unique index keeps it to one row per key.
"""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
    true,
)

from licensehub.ledger.tables.base import GUID, BigId, UtcDateTime, id_column, metadata, utcnow


def one_current_version(table: Table, *key: str) -> Index:
    """At most one current row (valid_to IS NULL) per key; closed versions are history."""
    current = table.c.valid_to.is_(None)
    return Index(
        f"uq_{table.name}_current",
        *(table.c[name] for name in key),
        unique=True,
        sqlite_where=current,
        postgresql_where=current,
    )


CAPABILITY_STATUSES = ("Enabled", "Suspended", "Warning", "LockedOut", "Deleted")

subscriptions = Table(
    "subscriptions",
    metadata,
    id_column(),
    Column("tenant_id", BigId, ForeignKey("tenants.id"), nullable=False),
    Column("sku_id", GUID, ForeignKey("skus.sku_id"), nullable=False, index=True),
    Column("enabled_units", Integer, nullable=False, server_default="0"),
    Column("suspended_units", Integer, nullable=False, server_default="0"),
    Column("warning_units", Integer, nullable=False, server_default="0"),
    Column("locked_out_units", Integer, nullable=False, server_default="0"),
    Column("capability_status", String(16), nullable=False, server_default="Enabled"),
    Column("valid_from", UtcDateTime, nullable=False, default=utcnow),
    Column("valid_to", UtcDateTime),
    CheckConstraint(
        "enabled_units >= 0 AND suspended_units >= 0 AND warning_units >= 0 "
        "AND locked_out_units >= 0",
        name="units_not_negative",
    ),
    CheckConstraint(
        "capability_status IN ('Enabled', 'Suspended', 'Warning', 'LockedOut', 'Deleted')",
        name="capability_status",
    ),
    CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_period"),
)
one_current_version(subscriptions, "tenant_id", "sku_id")
Index(
    "ix_subscriptions_history",
    subscriptions.c.tenant_id,
    subscriptions.c.sku_id,
    subscriptions.c.valid_from,
)

users = Table(
    "users",
    metadata,
    id_column(),
    Column("tenant_id", BigId, ForeignKey("tenants.id"), nullable=False),
    Column("object_id", GUID, nullable=False),
    Column("user_principal_name", String(320), nullable=False),
    Column("display_name", String(256)),
    Column("account_enabled", Boolean, nullable=False, server_default=true()),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    # Set when a newer export no longer lists the user; the row stays for history.
    Column("deleted_at", UtcDateTime),
    UniqueConstraint("tenant_id", "object_id"),
    # Lets assignments reference (tenant, user) together, so an assignment can never point
    # at a user of another tenant.
    UniqueConstraint("tenant_id", "id"),
)
# userPrincipalName is looked up case-insensitively, as Entra ID treats it.
Index(
    "ix_users_tenant_upn",
    users.c.tenant_id,
    func.lower(users.c.user_principal_name),
)

license_assignments = Table(
    "license_assignments",
    metadata,
    id_column(),
    Column("tenant_id", BigId, nullable=False),
    Column("user_id", BigId, nullable=False),
    Column("sku_id", GUID, ForeignKey("skus.sku_id"), nullable=False),
    # When Microsoft says the license was assigned, if the source tells.
    Column("assigned_at", UtcDateTime),
    Column("valid_from", UtcDateTime, nullable=False, default=utcnow),
    Column("valid_to", UtcDateTime),
    ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
    CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_period"),
)
one_current_version(license_assignments, "user_id", "sku_id")
Index(
    "ix_license_assignments_counts",
    license_assignments.c.tenant_id,
    license_assignments.c.sku_id,
    license_assignments.c.valid_from,
)
# The current assignments of a tenant's SKU, counted from the index alone (subscribedskus'
# consumedUnits): through the index above, each needed its row read to see valid_to.
# valid_to is in the index too (always NULL), or SQLite would read each row for the
# condition it names.
Index(
    "ix_license_assignments_current",
    license_assignments.c.tenant_id,
    license_assignments.c.sku_id,
    license_assignments.c.valid_to,
    sqlite_where=license_assignments.c.valid_to.is_(None),
    postgresql_where=license_assignments.c.valid_to.is_(None),
)

# Service plans switched off in one version of an assignment.
assignment_disabled_plans = Table(
    "assignment_disabled_plans",
    metadata,
    Column(
        "assignment_id",
        BigId,
        ForeignKey("license_assignments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "service_plan_id",
        GUID,
        ForeignKey("service_plans.service_plan_id"),
        primary_key=True,
    ),
)
