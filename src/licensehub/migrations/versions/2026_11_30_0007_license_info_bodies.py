"""license-info records stored with their bodies

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 23:00:00

licenseinfo answers a month of a service's daily records on every request, and the database
wrote each record's JSON on every read (SQLite: 0.09 ms of a lookup's 0.2 ms of SQL). A
record is written once and frozen when its day is over: its body is written with it now
(voice_license_info_days.body), and a read sends what is stored.

The records already in the ledger get their bodies from the app's own SQL writer
(live_platform.queries.write_bodies), service by service, so that they are byte for byte
what the app writes for a new record; then the column is made NOT NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Imported here: the app's writer of bodies, as of this revision (a later change of the
    # body writes today's record again at its first read; days gone by keep theirs).
    from licensehub.live_platform.queries import write_bodies

    with op.batch_alter_table("voice_license_info_days", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))
    write_bodies(op.get_bind())
    with op.batch_alter_table("voice_license_info_days", schema=None) as batch_op:
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("voice_license_info_days", schema=None) as batch_op:
        batch_op.drop_column("body")
