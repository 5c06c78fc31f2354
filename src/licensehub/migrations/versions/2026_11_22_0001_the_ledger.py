"""the ledger

Revision ID: 0001
Revises:
Create Date: 2026-11-22 00:02:03.345166
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("partner_tenant_id", name=op.f("uq_partners_partner_tenant_id")),
    )
    op.create_table(
        "service_plans",
        sa.Column("service_plan_id", sa.Uuid(), nullable=False),
        sa.Column("service_name", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("target_type", sa.String(length=16), server_default="User", nullable=False),
        sa.PrimaryKeyConstraint("service_plan_id", name=op.f("pk_service_plans")),
    )
    op.create_table(
        "skus",
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("sku_part_number", sa.String(length=128), nullable=False),
        sa.Column("product_name", sa.String(length=256), nullable=False),
        sa.Column("license_group", sa.String(length=8), server_default="group1", nullable=False),
        sa.Column("target_type", sa.String(length=16), server_default="User", nullable=False),
        sa.CheckConstraint(
            "license_group IN ('group1', 'group2')", name=op.f("ck_skus_license_group")
        ),
        sa.PrimaryKeyConstraint("sku_id", name=op.f("pk_skus")),
    )
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_skus_sku_part_number"), ["sku_part_number"], unique=False
        )

    op.create_table(
        "sku_service_plans",
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("service_plan_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_plan_id"],
            ["service_plans.service_plan_id"],
            name=op.f("fk_sku_service_plans_service_plan_id_service_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"],
            ["skus.sku_id"],
            name=op.f("fk_sku_service_plans_sku_id_skus"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sku_id", "service_plan_id", name=op.f("pk_sku_service_plans")),
    )
    with op.batch_alter_table("sku_service_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sku_service_plans_service_plan_id"), ["service_plan_id"], unique=False
        )

    op.create_table(
        "tenants",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("default_domain", sa.String(length=256), nullable=True),
        sa.Column("channel", sa.String(length=32), server_default="reseller", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("name <> ''", name=op.f("ck_tenants_name_not_empty")),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_tenants_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_tenants_tenant_id")),
    )
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.create_index("ix_tenants_partner_id_name", ["partner_id", "name"], unique=False)

    op.create_table(
        "backup_organizations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("office_name", sa.String(length=256), nullable=True),
        sa.Column("type", sa.String(length=24), server_default="Office365", nullable=False),
        sa.Column("is_backed_up", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "first_backup_time",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "last_backup_time",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "license_type", sa.String(length=16), server_default="Subscription", nullable=False
        ),
        sa.Column("licensed_users_limit", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "license_expires_at",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "period_started_at",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "trial_expires_at",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "license_type IN ('Subscription', 'Rental')",
            name=op.f("ck_backup_organizations_license_type"),
        ),
        sa.CheckConstraint(
            "licensed_users_limit >= 0", name=op.f("ck_backup_organizations_limit_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_backup_organizations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_organizations")),
        sa.UniqueConstraint(
            "organization_id", name=op.f("uq_backup_organizations_organization_id")
        ),
    )
    with op.batch_alter_table("backup_organizations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_backup_organizations_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "license_usage",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("processed_date", sa.Date(), nullable=False),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("workload_code", sa.String(length=16), nullable=False),
        sa.Column("workload_name", sa.String(length=128), nullable=False),
        sa.Column("service_code", sa.String(length=32), nullable=False),
        sa.Column("service_name", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("customer_name", sa.String(length=256), nullable=False),
        sa.Column("product_name", sa.String(length=256), nullable=False),
        sa.Column("licenses_active", sa.BigInteger(), nullable=False),
        sa.Column("licenses_qualified", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "licenses_active >= 0 AND licenses_qualified >= 0",
            name=op.f("ck_license_usage_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_license_usage_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_license_usage")),
    )
    with op.batch_alter_table("license_usage", schema=None) as batch_op:
        batch_op.create_index(
            "ix_license_usage_tenant_date", ["tenant_id", "processed_date"], unique=False
        )
        batch_op.create_index(
            "uq_license_usage_row",
            ["processed_date", "tenant_id", "product_id", "workload_code"],
            unique=True,
        )

    op.create_table(
        "principals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("can_write", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'operator' AND partner_id IS NULL AND tenant_id IS NULL) OR (kind = 'partner' AND partner_id IS NOT NULL AND tenant_id IS NULL) OR (kind = 'customer' AND tenant_id IS NOT NULL AND partner_id IS NULL)",
            name=op.f("ck_principals_scope_matches_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_principals_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_principals_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principals")),
    )
    with op.batch_alter_table("principals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_principals_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_principals_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("enabled_units", sa.Integer(), server_default="0", nullable=False),
        sa.Column("suspended_units", sa.Integer(), server_default="0", nullable=False),
        sa.Column("warning_units", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_out_units", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "capability_status", sa.String(length=16), server_default="Enabled", nullable=False
        ),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "capability_status IN ('Enabled', 'Suspended', 'Warning', 'LockedOut', 'Deleted')",
            name=op.f("ck_subscriptions_capability_status"),
        ),
        sa.CheckConstraint(
            "enabled_units >= 0 AND suspended_units >= 0 AND warning_units >= 0 AND locked_out_units >= 0",
            name=op.f("ck_subscriptions_units_not_negative"),
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to > valid_from", name=op.f("ck_subscriptions_valid_period")
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.sku_id"], name=op.f("fk_subscriptions_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_subscriptions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_subscriptions_history", ["tenant_id", "sku_id", "valid_from"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subscriptions_sku_id"), ["sku_id"], unique=False)
        batch_op.create_index(
            "uq_subscriptions_current",
            ["tenant_id", "sku_id"],
            unique=True,
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("user_principal_name", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=True),
        sa.Column("account_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_users_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_users_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "object_id", name=op.f("uq_users_tenant_id_object_id")),
    )
    # Autogenerate cannot see expression indexes on SQLite: this one is written by hand.
    op.create_index(
        "ix_users_tenant_upn",
        "users",
        ["tenant_id", sa.text("lower(user_principal_name)")],
    )
    op.create_table(
        "voice_services",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("ump_customer_guid", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("acquired_licenses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_update", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('OperatorConnect', 'DirectRouting')", name=op.f("ck_voice_services_kind")
        ),
        sa.CheckConstraint(
            "acquired_licenses >= 0", name=op.f("ck_voice_services_acquired_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_voice_services_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_services")),
        sa.UniqueConstraint("ump_customer_guid", name=op.f("uq_voice_services_ump_customer_guid")),
    )
    with op.batch_alter_table("voice_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_services_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "backup_protected_users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "organization_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("backup_user_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column(
            "first_backup_time",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "last_backup_time",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["backup_organizations.id"],
            name=op.f("fk_backup_protected_users_organization_id_backup_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_backup_protected_users_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_protected_users")),
        sa.UniqueConstraint(
            "organization_id",
            "backup_user_id",
            name=op.f("uq_backup_protected_users_organization_id_backup_user_id"),
        ),
    )
    with op.batch_alter_table("backup_protected_users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_backup_protected_users_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "license_assignments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to > valid_from",
            name=op.f("ck_license_assignments_valid_period"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.sku_id"], name=op.f("fk_license_assignments_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_license_assignments_tenant_id_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_license_assignments")),
    )
    with op.batch_alter_table("license_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_license_assignments_counts", ["tenant_id", "sku_id", "valid_from"], unique=False
        )
        batch_op.create_index(
            "uq_license_assignments_current",
            ["user_id", "sku_id"],
            unique=True,
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "voice_license_factors",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("by_template", sa.Boolean(), nullable=True),
        sa.Column("by_user_interface", sa.Boolean(), nullable=True),
        sa.Column("service_numbers", sa.Boolean(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(partner_id IS NULL) <> (service_id IS NULL)",
            name=op.f("ck_voice_license_factors_one_level"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_voice_license_factors_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["voice_services.id"],
            name=op.f("fk_voice_license_factors_service_id_voice_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_license_factors")),
        sa.UniqueConstraint("partner_id", name=op.f("uq_voice_license_factors_partner_id")),
        sa.UniqueConstraint("service_id", name=op.f("uq_voice_license_factors_service_id")),
    )
    op.create_table(
        "voice_license_info_days",
        sa.Column(
            "service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("acquired_licenses", sa.Integer(), nullable=False),
        sa.Column("total_monitored_users", sa.Integer(), nullable=False),
        sa.Column("currently_licensed", sa.Integer(), nullable=False),
        sa.Column("managed_users_direct_routing", sa.Integer(), nullable=False),
        sa.Column("managed_users_operator_connect", sa.Integer(), nullable=False),
        sa.Column("managed_users_lifecycle", sa.Integer(), nullable=False),
        sa.Column("managed_users_user_interface", sa.Integer(), nullable=False),
        sa.Column("managed_service_numbers", sa.Integer(), nullable=False),
        sa.Column("last_update", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flags_level", sa.SmallInteger(), nullable=False),
        sa.Column("factor_by_template", sa.Boolean(), nullable=False),
        sa.Column("factor_by_user_interface", sa.Boolean(), nullable=False),
        sa.Column("factor_service_numbers", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["voice_services.id"],
            name=op.f("fk_voice_license_info_days_service_id_voice_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "day", name=op.f("pk_voice_license_info_days")),
    )
    op.create_table(
        "voice_monitored_users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lifecycle_template", sa.String(length=128), nullable=True),
        sa.Column("ui_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["voice_services.id"],
            name=op.f("fk_voice_monitored_users_service_id_voice_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_voice_monitored_users_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_monitored_users")),
        sa.UniqueConstraint(
            "service_id", "user_id", name=op.f("uq_voice_monitored_users_service_id_user_id")
        ),
    )
    with op.batch_alter_table("voice_monitored_users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_monitored_users_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "voice_phone_numbers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("telephone_number", sa.String(length=32), nullable=False),
        sa.Column("number_type", sa.String(length=16), nullable=False),
        sa.Column(
            "assignment_status", sa.String(length=32), server_default="Unassigned", nullable=False
        ),
        sa.Column("target_type", sa.String(length=24), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("voice_routing_policy", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "assignment_status IN ('Unassigned', 'UserAssigned', 'ConferenceAssigned', 'VoiceApplicationAssigned', 'ThirdPartyAppAssigned')",
            name=op.f("ck_voice_phone_numbers_assignment_status"),
        ),
        sa.CheckConstraint(
            "number_type IN ('DirectRouting', 'OperatorConnect', 'CallingPlan')",
            name=op.f("ck_voice_phone_numbers_number_type"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["voice_services.id"],
            name=op.f("fk_voice_phone_numbers_service_id_voice_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_voice_phone_numbers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_phone_numbers")),
        sa.UniqueConstraint(
            "service_id",
            "telephone_number",
            name=op.f("uq_voice_phone_numbers_service_id_telephone_number"),
        ),
    )
    with op.batch_alter_table("voice_phone_numbers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_phone_numbers_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "assignment_disabled_plans",
        sa.Column(
            "assignment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("service_plan_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["license_assignments.id"],
            name=op.f("fk_assignment_disabled_plans_assignment_id_license_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_plan_id"],
            ["service_plans.service_plan_id"],
            name=op.f("fk_assignment_disabled_plans_service_plan_id_service_plans"),
        ),
        sa.PrimaryKeyConstraint(
            "assignment_id", "service_plan_id", name=op.f("pk_assignment_disabled_plans")
        ),
    )


def downgrade() -> None:
    op.drop_table("assignment_disabled_plans")
    with op.batch_alter_table("voice_phone_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_phone_numbers_user_id"))

    op.drop_table("voice_phone_numbers")
    with op.batch_alter_table("voice_monitored_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_monitored_users_user_id"))

    op.drop_table("voice_monitored_users")
    op.drop_table("voice_license_info_days")
    op.drop_table("voice_license_factors")
    with op.batch_alter_table("license_assignments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_license_assignments_current",
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index("ix_license_assignments_counts")

    op.drop_table("license_assignments")
    with op.batch_alter_table("backup_protected_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backup_protected_users_user_id"))

    op.drop_table("backup_protected_users")
    with op.batch_alter_table("voice_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_services_tenant_id"))

    op.drop_table("voice_services")
    op.drop_index("ix_users_tenant_upn", table_name="users")
    op.drop_table("users")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_subscriptions_current",
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_subscriptions_sku_id"))
        batch_op.drop_index("ix_subscriptions_history")

    op.drop_table("subscriptions")
    with op.batch_alter_table("principals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_principals_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_principals_partner_id"))

    op.drop_table("principals")
    with op.batch_alter_table("license_usage", schema=None) as batch_op:
        batch_op.drop_index("uq_license_usage_row")
        batch_op.drop_index("ix_license_usage_tenant_date")

    op.drop_table("license_usage")
    with op.batch_alter_table("backup_organizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backup_organizations_tenant_id"))

    op.drop_table("backup_organizations")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_index("ix_tenants_partner_id_name")

    op.drop_table("tenants")
    with op.batch_alter_table("sku_service_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sku_service_plans_service_plan_id"))

    op.drop_table("sku_service_plans")
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skus_sku_part_number"))

    op.drop_table("skus")
    op.drop_table("service_plans")
    op.drop_table("partners")
