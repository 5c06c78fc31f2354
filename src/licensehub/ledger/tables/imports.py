"""Every import: when, what, by whom, with what result."""

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text

from licensehub.ledger.tables.base import BigId, UtcDateTime, id_column, metadata, utcnow

imports = Table(
    "imports",
    metadata,
    id_column(),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=False, default=utcnow),
    Column("finished_at", UtcDateTime),
    # Who: a principal over HTTP, or the operating-system user of a CLI run.
    Column("principal_id", BigId, ForeignKey("principals.id", ondelete="SET NULL")),
    Column("actor", String(256), nullable=False),
    # The tenant the import was about, when it was about one.
    Column("tenant_id", BigId, ForeignKey("tenants.id", ondelete="SET NULL")),
    Column("files", Text, nullable=False),
    # SHA-256 over the files' bytes: the same content again is recognised.
    Column("digest", String(64), nullable=False),
    Column("rows_read", Integer, nullable=False, server_default="0"),
    Column("rows_created", Integer, nullable=False, server_default="0"),
    Column("rows_updated", Integer, nullable=False, server_default="0"),
    Column("rows_removed", Integer, nullable=False, server_default="0"),
    Column("rows_rejected", Integer, nullable=False, server_default="0"),
    Column("message", Text),
    CheckConstraint("status IN ('succeeded', 'failed')", name="status"),
)
Index("ix_imports_started_at", imports.c.started_at)
Index("ix_imports_tenant_id", imports.c.tenant_id)
