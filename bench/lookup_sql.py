"""The INSERT ... SELECT statements that multiply the lookups' ledger out inside the database:
from a few thousand Python-made rows (each tenant's size and SKUs, one template per person
number) to a million users with their licenses, voice services and backups.

The two stores spell dates, GUIDs and padding differently; `Spelling` holds the difference.
Every time is relative to the bound `:now` (the build time: the endpoints read the real clock,
so 31-day and one-month windows must hold recent rows), every date to `:today`.
"""

from __future__ import annotations

from dataclasses import dataclass

# The first byte of each kind of made GUID: the rest is (row id, person number).
USER_GUID = 0xB4
VOICE_GUID = 0xB5
ORGANIZATION_GUID = 0xB6
BACKUP_USER_GUID = 0xB7
HISTORY_DAYS = 90  # of license info records per voice service, as the demo keeps


@dataclass(frozen=True)
class Spelling:
    dialect: str

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgresql"

    def days_ago(self, days: str) -> str:
        if self.postgres:
            return f"(CAST(:now AS timestamptz) - make_interval(days => CAST({days} AS integer)))"
        return f"datetime(:now, '-' || ({days}) || ' days')"

    def hours_ago(self, hours: str) -> str:
        if self.postgres:
            return f"(CAST(:now AS timestamptz) - make_interval(hours => CAST({hours} AS integer)))"
        return f"datetime(:now, '-' || ({hours}) || ' hours')"

    def date_ago(self, days: str) -> str:
        if self.postgres:
            return f"(CAST(:today AS date) - CAST({days} AS integer))"
        return f"date(:today, '-' || ({days}) || ' days')"

    def guid(self, kind: int, high: str, low: str) -> str:
        """The GUID `made_guid(kind, high, low)` gives in Python, as the store keeps it."""
        if self.postgres:
            hexes = f"'{kind:02x}' || lpad(to_hex({high}), 22, '0') || lpad(to_hex({low}), 8, '0')"
            return f"CAST({hexes} AS uuid)"
        return f"printf('{kind:02x}%022x%08x', {high}, {low})"

    def padded(self, number: str, width: int) -> str:
        if self.postgres:
            return f"lpad(CAST({number} AS text), {width}, '0')"
        return f"printf('%0{width}d', {number})"

    def as_text(self, value: str) -> str:
        return f"CAST({value} AS varchar)"


# Which template each user is made from, and the user's id: every tenant's users take ids
# from its first_user on, given here rather than looked up again after the insert.
PERSON_NUMBERS = """
INSERT INTO bench_lookup_user_n (user_id, tenant_id, n)
SELECT t.first_user + p.n, t.tenant_id, p.n
FROM bench_lookup_tenants AS t JOIN bench_lookup_people AS p ON p.n < t.users
"""


def users(s: Spelling) -> list[str]:
    insert = f"""
INSERT INTO users (id, tenant_id, object_id, user_principal_name, display_name,
                   account_enabled, created_at, deleted_at)
SELECT m.user_id, m.tenant_id, {s.guid(USER_GUID, "m.tenant_id", "p.n")},
       lower(p.given) || '.' || lower(p.family) || p.n || '@customer' || m.tenant_id
         || '.example.com',
       p.given || ' ' || p.family, TRUE, {s.days_ago("p.assigned_days + 5")},
       CASE WHEN p.deleted THEN {s.days_ago("p.deleted_days")} END
FROM bench_lookup_user_n AS m JOIN bench_lookup_people AS p ON p.n = m.n
"""
    if not s.postgres:
        return [PERSON_NUMBERS, insert]  # SQLite's next rowid is the largest one plus one
    sequence = "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"
    return [PERSON_NUMBERS, insert, sequence]


def assignments(s: Spelling) -> list[str]:
    """The main license, an add-on for some, and the license that moved users held before
    (Office 365 E3 to Microsoft 365 E3, say); a deleted user's licenses end with the user."""
    ended = f"CASE WHEN p.deleted THEN {s.days_ago('p.deleted_days')} END"
    start = "CASE WHEN p.moved THEN p.moved_days ELSE p.assigned_days END"
    target = (
        "INSERT INTO license_assignments (tenant_id, user_id, sku_id, assigned_at, valid_from, "
        "valid_to)"
    )
    people = (
        "FROM bench_lookup_user_n AS m JOIN bench_lookup_people AS p ON p.n = m.n "
        "JOIN bench_lookup_slots AS sl ON sl.tenant_id = m.tenant_id"
    )
    return [
        f"{target} SELECT m.tenant_id, m.user_id, sl.sku_id, {s.days_ago(start)}, "
        f"{s.days_ago(start)}, {ended} {people} AND sl.slot = p.first_slot",
        f"{target} SELECT m.tenant_id, m.user_id, sl.sku_id, {s.days_ago('p.moved_days')}, "
        f"{s.days_ago('p.moved_days')}, {ended} {people} AND sl.slot = p.second_slot",
        f"{target} SELECT m.tenant_id, m.user_id, sl.sku_id, {s.days_ago('p.assigned_days')}, "
        f"{s.days_ago('p.assigned_days')}, {s.days_ago('p.moved_days')} "
        f"{people} AND sl.slot = 1 - p.first_slot WHERE p.moved",
    ]


DISABLED_PLANS = """
INSERT INTO assignment_disabled_plans (assignment_id, service_plan_id)
SELECT a.id, sp.service_plan_id
FROM license_assignments AS a
JOIN bench_lookup_user_n AS m ON m.user_id = a.user_id
JOIN bench_lookup_people AS p ON p.n = m.n AND p.yammer_off
JOIN sku_service_plans AS sp ON sp.sku_id = a.sku_id
JOIN service_plans AS pl ON pl.service_plan_id = sp.service_plan_id
     AND pl.service_name = 'YAMMER_ENTERPRISE'
WHERE a.valid_to IS NULL
"""


def subscriptions(s: Spelling) -> list[str]:
    """Seats per SKU: what is assigned now and some headroom, a tenant in warning; and an
    earlier, smaller version of each."""
    held = "COALESCE(c.held, 0) + 2 + COALESCE(c.held, 0) / 10"
    statement = f"""
INSERT INTO subscriptions (tenant_id, sku_id, enabled_units, suspended_units, warning_units,
                           locked_out_units, capability_status, valid_from, valid_to)
SELECT sl.tenant_id, sl.sku_id,
       CASE WHEN t.warning THEN 0 ELSE ({held}) * {{share}} / 10 END, 0,
       CASE WHEN t.warning THEN ({held}) * {{share}} / 10 ELSE 0 END, 0,
       CASE WHEN t.warning THEN 'Warning' ELSE 'Enabled' END, {{valid}}
FROM bench_lookup_slots AS sl JOIN bench_lookup_tenants AS t ON t.tenant_id = sl.tenant_id
LEFT JOIN (SELECT tenant_id, sku_id, count(*) AS held FROM license_assignments
           WHERE valid_to IS NULL GROUP BY tenant_id, sku_id) AS c
       ON c.tenant_id = sl.tenant_id AND c.sku_id = sl.sku_id
"""
    current = f"{s.days_ago('60')}, CAST(NULL AS timestamptz)"
    earlier = f"{s.days_ago('400')}, {s.days_ago('60')}"
    return [
        statement.format(share=10, valid=current),
        statement.format(share=8, valid=earlier),
    ]


def voice(s: Spelling) -> list[str]:
    """A Teams voice service for the tenants that have one: its monitored users, the numbers
    of its users and of its conference bridge, voice app and spares, an override of the
    license factors for some."""
    services = f"""
INSERT INTO voice_services (tenant_id, ump_customer_guid, kind, name, acquired_licenses,
                            created_at, last_update)
SELECT t.tenant_id, {s.guid(VOICE_GUID, "t.tenant_id", "0")},
       CASE WHEN t.tenant_id % 2 = 0 THEN 'DirectRouting' ELSE 'OperatorConnect' END,
       c.name || ' - Teams Voice', t.users / 4 + 10, {s.days_ago("400")},
       {s.hours_ago("1 + t.tenant_id % 72")}
FROM bench_lookup_tenants AS t JOIN tenants AS c ON c.id = t.tenant_id
WHERE t.voice
"""
    people = (
        "FROM voice_services AS v JOIN bench_lookup_user_n AS m ON m.tenant_id = v.tenant_id "
        "JOIN bench_lookup_people AS p ON p.n = m.n"
    )
    monitored = f"""
INSERT INTO voice_monitored_users (service_id, user_id, lifecycle_template, ui_updated_at)
SELECT v.id, m.user_id,
       CASE WHEN p.voice_role = 'lifecycle' THEN 'Standard Office Worker' END,
       CASE WHEN p.voice_role = 'interface' THEN {s.days_ago("1 + p.n % 60")} END
{people}
WHERE p.voice_role IS NOT NULL AND NOT p.deleted
"""
    user_numbers = f"""
INSERT INTO voice_phone_numbers (service_id, telephone_number, number_type, assignment_status,
                                 target_type, target_id, user_id, voice_routing_policy,
                                 updated_at)
SELECT v.id, '+1425' || {s.padded("m.n", 7)}, v.kind, 'UserAssigned', 'User',
       {s.as_text("u.object_id")}, m.user_id,
       CASE WHEN v.kind = 'DirectRouting' THEN 'Unrestricted' END, {s.days_ago("1 + p.n % 120")}
{people} JOIN users AS u ON u.id = m.user_id
WHERE p.voice_role = 'number' AND NOT p.deleted
"""
    other_numbers = f"""
INSERT INTO voice_phone_numbers (service_id, telephone_number, number_type, assignment_status,
                                 target_type, target_id, user_id, voice_routing_policy,
                                 updated_at)
SELECT v.id, '+1425' || {s.padded("9000000 + x.k", 7)}, v.kind, x.status, x.target_type,
       CASE WHEN x.target_type IS NOT NULL
            THEN {s.as_text(s.guid(VOICE_GUID, "v.id", "x.k + 1"))} END,
       CAST(NULL AS bigint), CASE WHEN v.kind = 'DirectRouting' THEN 'Unrestricted' END,
       {s.days_ago("30")}
FROM voice_services AS v CROSS JOIN bench_lookup_other_numbers AS x
"""
    overrides = f"""
INSERT INTO voice_license_factors (service_id, by_template, by_user_interface, service_numbers,
                                   updated_at)
SELECT v.id, CAST(NULL AS boolean), FALSE, CAST(NULL AS boolean), {s.days_ago("10")}
FROM voice_services AS v WHERE v.tenant_id % 7 = 0
"""
    return [services, monitored, user_numbers, other_numbers, overrides, license_info_days(s)]


def license_info_days(s: Spelling) -> str:
    """Each service's daily records before today (the endpoint writes today's itself), the
    counts drifting down into the past; their bodies empty, for
    live_platform.queries.write_bodies() to write."""
    monitored = "t.users * (300 - d) / 1500"
    columns = (
        "INSERT INTO voice_license_info_days (service_id, day, acquired_licenses, "
        "total_monitored_users, currently_licensed, managed_users_direct_routing, "
        "managed_users_operator_connect, managed_users_lifecycle, managed_users_user_interface, "
        "managed_service_numbers, last_update, flags_level, factor_by_template, "
        "factor_by_user_interface, factor_service_numbers, body)"
    )
    select = f"""
SELECT v.id, {s.date_ago("d")}, v.acquired_licenses, {monitored}, {monitored} + 2,
       CASE WHEN v.kind = 'DirectRouting' THEN {monitored} * 3 / 5 ELSE 0 END,
       CASE WHEN v.kind = 'OperatorConnect' THEN {monitored} * 3 / 5 ELSE 0 END,
       {monitored} / 4, {monitored} - {monitored} * 3 / 5 - {monitored} / 4, 2,
       v.last_update, 2, TRUE, TRUE, TRUE, ''
FROM voice_services AS v JOIN bench_lookup_tenants AS t ON t.tenant_id = v.tenant_id
"""
    if s.postgres:
        return f"{columns} {select}, generate_series(1, {HISTORY_DAYS}) AS g(d)"
    return (
        f"WITH RECURSIVE g(d) AS (SELECT 1 UNION ALL SELECT d + 1 FROM g WHERE d < {HISTORY_DAYS}) "
        f"{columns} {select} CROSS JOIN g"
    )


def backup(s: Spelling) -> list[str]:
    """One backup organization per tenant, some under a rental license (with a period that
    makes recent first backups New), some past their limit; every user protected, most
    backed up within the day, a few no longer (outside Veeam's 31-day window)."""
    organizations = f"""
INSERT INTO backup_organizations (tenant_id, organization_id, name, office_name, type,
                                  is_backed_up, first_backup_time, last_backup_time,
                                  license_type, licensed_users_limit, license_expires_at,
                                  period_started_at, created_at)
SELECT t.tenant_id, {s.guid(ORGANIZATION_GUID, "t.tenant_id", "0")},
       'customer' || t.tenant_id || '.example.com', 'customer' || t.tenant_id || '.example.com',
       'Office365', TRUE, {s.days_ago("380")}, {s.hours_ago("2")},
       CASE WHEN t.rental THEN 'Rental' ELSE 'Subscription' END,
       CASE WHEN t.over_limit THEN t.users * 8 / 10 ELSE t.users + 10 END, :expires,
       CASE WHEN t.rental THEN {s.days_ago("20")} END, {s.days_ago("380")}
FROM bench_lookup_tenants AS t
"""
    first = (
        f"CASE WHEN p.new_in_period THEN {s.days_ago('1 + p.n % 19')} "
        f"ELSE {s.days_ago('p.first_backup_days')} END"
    )
    last = (
        f"CASE WHEN p.stale OR p.deleted THEN {s.days_ago('35 + p.n % 45')} "
        f"ELSE {s.hours_ago('p.last_backup_hours')} END"
    )
    protected = f"""
INSERT INTO backup_protected_users (organization_id, backup_user_id, user_id, name, email,
                                    first_backup_time, last_backup_time)
SELECT o.id, {s.guid(BACKUP_USER_GUID, "o.id", "m.n")}, m.user_id, u.display_name,
       u.user_principal_name, {first}, {last}
FROM backup_organizations AS o
JOIN bench_lookup_user_n AS m ON m.tenant_id = o.tenant_id
JOIN bench_lookup_people AS p ON p.n = m.n
JOIN users AS u ON u.id = m.user_id
"""
    return [organizations, protected]
