"""Teams voice services (AudioCodes Live Platform): Operator Connect and Direct Routing.

A service belongs to one tenant. Its numbers, its monitored users and its license-factor
overrides hang off the service; license info is kept as one record per day.
"""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from licensehub.ledger.tables.base import GUID, BigId, UtcDateTime, id_column, metadata, utcnow

SERVICE_KINDS = ("OperatorConnect", "DirectRouting")
NUMBER_TYPES = ("DirectRouting", "OperatorConnect", "CallingPlan")
ASSIGNMENT_STATUSES = (
    "Unassigned",
    "UserAssigned",
    "ConferenceAssigned",
    "VoiceApplicationAssigned",
    "ThirdPartyAppAssigned",
)

voice_services = Table(
    "voice_services",
    metadata,
    id_column(),
    Column("tenant_id", BigId, ForeignKey("tenants.id"), nullable=False, index=True),
    # NULL while the customer is only a lead: the Live Platform assigns it with the license.
    Column("ump_customer_guid", GUID, unique=True),
    Column("kind", String(24), nullable=False),
    Column("name", String(256), nullable=False),
    Column("acquired_licenses", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    # When an input of the license numbers last changed.
    Column("last_update", UtcDateTime),
    # The day whose license-info record was counted from the service's current inputs; the
    # ledger's triggers clear it whenever one of them changes (migration 0010), so a read
    # that finds today here sends the stored records without counting them again.
    Column("record_current_on", Date),
    CheckConstraint("kind IN ('OperatorConnect', 'DirectRouting')", name="kind"),
    CheckConstraint("acquired_licenses >= 0", name="acquired_not_negative"),
)

voice_phone_numbers = Table(
    "voice_phone_numbers",
    metadata,
    id_column(),
    Column(
        "service_id", BigId, ForeignKey("voice_services.id", ondelete="CASCADE"), nullable=False
    ),
    Column("telephone_number", String(32), nullable=False),
    Column("number_type", String(16), nullable=False),
    Column("assignment_status", String(32), nullable=False, server_default="Unassigned"),
    # User, ConferenceBridge, VoiceApplication, ThirdPartyApp; NULL while unassigned.
    Column("target_type", String(24)),
    # Teams' AssignedPstnTargetId: a user's or a resource account's object id.
    Column("target_id", String(64)),
    Column("user_id", BigId, ForeignKey("users.id"), index=True),
    Column("voice_routing_policy", String(64)),
    Column("updated_at", UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    UniqueConstraint("service_id", "telephone_number"),
    CheckConstraint(
        "number_type IN ('DirectRouting', 'OperatorConnect', 'CallingPlan')", name="number_type"
    ),
    CheckConstraint(
        "assignment_status IN ('Unassigned', 'UserAssigned', 'ConferenceAssigned', "
        "'VoiceApplicationAssigned', 'ThirdPartyAppAssigned')",
        name="assignment_status",
    ),
)

# The tenant's Microsoft 365 users that a service monitors, with how each is managed.
voice_monitored_users = Table(
    "voice_monitored_users",
    metadata,
    id_column(),
    Column(
        "service_id", BigId, ForeignKey("voice_services.id", ondelete="CASCADE"), nullable=False
    ),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False, index=True),
    Column("lifecycle_template", String(128)),
    Column("ui_updated_at", UtcDateTime),
    UniqueConstraint("service_id", "user_id"),
)

# License factors: a row per partner (the service provider's global setting) or per service
# (an override). A NULL factor inherits from the level above.
voice_license_factors = Table(
    "voice_license_factors",
    metadata,
    id_column(),
    Column("partner_id", BigId, ForeignKey("partners.id", ondelete="CASCADE"), unique=True),
    Column("service_id", BigId, ForeignKey("voice_services.id", ondelete="CASCADE"), unique=True),
    Column("by_template", Boolean),
    Column("by_user_interface", Boolean),
    Column("service_numbers", Boolean),
    Column("updated_at", UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    CheckConstraint("(partner_id IS NULL) <> (service_id IS NULL)", name="one_level"),
)

# One license-info record per service and day, frozen once the day is over.
voice_license_info_days = Table(
    "voice_license_info_days",
    metadata,
    Column(
        "service_id", BigId, ForeignKey("voice_services.id", ondelete="CASCADE"), nullable=False
    ),
    Column("day", Date, nullable=False),
    Column("acquired_licenses", Integer, nullable=False),
    Column("total_monitored_users", Integer, nullable=False),
    Column("currently_licensed", Integer, nullable=False),
    Column("managed_users_direct_routing", Integer, nullable=False),
    Column("managed_users_operator_connect", Integer, nullable=False),
    Column("managed_users_lifecycle", Integer, nullable=False),
    Column("managed_users_user_interface", Integer, nullable=False),
    Column("managed_service_numbers", Integer, nullable=False),
    Column("last_update", UtcDateTime),
    Column("flags_level", SmallInteger, nullable=False),
    Column("factor_by_template", Boolean, nullable=False),
    Column("factor_by_user_interface", Boolean, nullable=False),
    Column("factor_service_numbers", Boolean, nullable=False),
    # The record as licenseinfo answers it (JSON text), written with it: a month of records
    # is read on every request, and writing them there cost more than the rest of a read.
    Column("body", Text, nullable=False),
    PrimaryKeyConstraint("service_id", "day"),
)
