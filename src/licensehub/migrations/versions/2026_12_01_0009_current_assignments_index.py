"""an index of the current license assignments by tenant and SKU

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 02:00:00

subscribedskus counts each SKU's current assignments (consumedUnits). Through
ix_license_assignments_counts (tenant, SKU, valid_from) every assignment's row was read to
see whether it is current: on SQLite 95 of the lookup's 118 us of SQL for four SKUs. This
partial index holds the current ones alone, and the count reads nothing else (valid_to is
among its columns, always NULL, for SQLite to see that the index alone answers).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("license_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_license_assignments_current",
            ["tenant_id", "sku_id", "valid_to"],
            unique=False,
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("license_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_license_assignments_current")
