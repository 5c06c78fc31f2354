"""Who changed what: the audit trail, and the sign-in throttle that slows password guessing."""

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text

from licensehub.ledger.tables.base import BigId, UtcDateTime, id_column, metadata, utcnow

OUTCOMES = ("succeeded", "refused", "failed")

# One row per write, import or token issued (or refused), over HTTP or from the CLI. Kept
# apart from the write itself: a write that rolls back still leaves its record.
audit_events = Table(
    "audit_events",
    metadata,
    id_column(),
    Column("at", UtcDateTime, nullable=False, default=utcnow),
    Column("principal_id", BigId, ForeignKey("principals.id", ondelete="SET NULL")),
    # The principal's name, the name a failed sign-in tried, or "cli:<os user>".
    Column("actor", String(256), nullable=False),
    # What was done, e.g. "token.password", "import.graph", "live_platform.add_number".
    Column("action", String(64), nullable=False),
    # What it was done to: the request's method and path, or the CLI's arguments.
    Column("target", String(1024), nullable=False),
    Column("correlation_id", String(128)),
    Column("outcome", String(16), nullable=False),
    Column("status", Integer),
    Column("detail", Text),
    CheckConstraint("outcome IN ('succeeded', 'refused', 'failed')", name="outcome"),
)
Index("ix_audit_events_at", audit_events.c.at)
Index("ix_audit_events_principal_id", audit_events.c.principal_id)

# Failed sign-ins per name tried (a user name or client id, case-folded), known or not, so
# that guessing one principal's password slows down and locks out that principal alone.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(320), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),
)
