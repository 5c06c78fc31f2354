"""entra identities

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 02:37:45.087805
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entra_identities",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "principal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("directory_id", sa.Uuid(), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.id"],
            name=op.f("fk_entra_identities_principal_id_principals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entra_identities")),
        sa.UniqueConstraint(
            "directory_id", "object_id", name=op.f("uq_entra_identities_directory_id_object_id")
        ),
    )
    with op.batch_alter_table("entra_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entra_identities_principal_id"), ["principal_id"], unique=False
        )
        batch_op.create_index(
            "uq_entra_identities_whole_directory",
            ["directory_id"],
            unique=True,
            sqlite_where=sa.text("object_id IS NULL"),
            postgresql_where=sa.text("object_id IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("entra_identities", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_entra_identities_whole_directory",
            sqlite_where=sa.text("object_id IS NULL"),
            postgresql_where=sa.text("object_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_entra_identities_principal_id"))

    op.drop_table("entra_identities")
