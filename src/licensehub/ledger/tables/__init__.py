"""The ledger's tables (SQLAlchemy Core), one module per part of the domain."""

from licensehub.ledger.tables.audit import audit_events, sign_in_failures
from licensehub.ledger.tables.backup import backup_organizations, backup_protected_users
from licensehub.ledger.tables.base import metadata
from licensehub.ledger.tables.catalog import service_plans, sku_service_plans, skus
from licensehub.ledger.tables.imports import imports
from licensehub.ledger.tables.principals import (
    api_clients,
    entra_identities,
    password_credentials,
    principals,
    refresh_tokens,
    service_secrets,
)
from licensehub.ledger.tables.seats import (
    assignment_disabled_plans,
    license_assignments,
    subscriptions,
    users,
)
from licensehub.ledger.tables.tenancy import partners, tenants
from licensehub.ledger.tables.usage import license_usage
from licensehub.ledger.tables.voice import (
    voice_license_factors,
    voice_license_info_days,
    voice_monitored_users,
    voice_phone_numbers,
    voice_services,
)

__all__ = [
    "api_clients",
    "assignment_disabled_plans",
    "audit_events",
    "backup_organizations",
    "backup_protected_users",
    "entra_identities",
    "imports",
    "license_assignments",
    "license_usage",
    "metadata",
    "partners",
    "password_credentials",
    "principals",
    "refresh_tokens",
    "service_plans",
    "service_secrets",
    "sign_in_failures",
    "sku_service_plans",
    "skus",
    "subscriptions",
    "tenants",
    "users",
    "voice_license_factors",
    "voice_license_info_days",
    "voice_monitored_users",
    "voice_phone_numbers",
    "voice_services",
]
