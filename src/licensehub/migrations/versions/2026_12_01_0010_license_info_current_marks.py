"""each voice service remembers the day its license-info record was counted for

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 05:40:00

licenseinfo counted a service's numbers and monitored users on every read, to check that
today's stored record still held: on SQLite 75 of the read's 104 us of SQL. Now the service
keeps the day whose record was counted from its current inputs
(voice_services.record_current_on, set by live_platform.queries.mark_current), and these
triggers clear it whenever an input changes, whatever writes it: its numbers, its monitored
users, its own or its partner's license factors, its own columns the record shows, the
partner its tenant belongs to, or its records themselves. A mark may be missing (a read then
counts and writes the record as before), never stale.

A partner's global settings apply to all its tenants' services, and clear every mark: they
change rarely, and which services are the partner's is itself an input (a tenant may be
moving to it meanwhile).

On PostgreSQL the numbers', users' and records' triggers run once per statement, and lock
the services' rows (FOR NO KEY UPDATE, in id order) even when their mark is cleared
already, then clear the marks still set: a read that counts a service locks its row first
(queries.visible_service), so it waits for any writer of the service's inputs to commit, and
then reads what that writer committed. Locking a row writes no new version of it, so an
import that writes a service's numbers one statement at a time does not pile up versions
of the service's row. TRUNCATE, which fires no row or delete trigger, clears every mark.

Outside what triggers can see: on SQLite, INSERT OR REPLACE fires no delete trigger for the
row it replaces (unless the connection sets recursive_triggers), and a load with triggers
disabled (pg_restore --disable-triggers, session_replication_role = replica) changes inputs
unseen: after either, clear the marks (UPDATE voice_services SET record_current_on = NULL).
A writer of records that does not lock the service first (a statement of an operator's)
can deadlock with a read that counts: PostgreSQL then aborts one of the two.

On SQLite, a later batch_alter_table that recreates one of these tables drops its triggers,
and one that recreates tenants or voice_services fails while any of these triggers, whose
bodies name them, exists: such a migration drops them first and creates them again after
(drop_triggers and create_triggers below).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLEAR = "UPDATE voice_services SET record_current_on = NULL WHERE"
# The tables whose rows each belong to one service (service_id).
SERVICE_ROWS = ("voice_phone_numbers", "voice_monitored_users", "voice_license_info_days")
# The service's columns that its record shows: clearing the mark does not clear it again.
SHOWN = "tenant_id, ump_customer_guid, acquired_licenses, last_update"


def of_setting(row: str) -> str:
    """The services whose marks a license-factor setting's change clears: its own, or every
    one for a partner's global setting."""
    return f"{row}.partner_id IS NOT NULL OR id = {row}.service_id"


def locked_clear(services: str) -> str:
    """PostgreSQL: lock the services' rows, then clear the marks still set."""
    return (
        f"PERFORM 1 FROM voice_services WHERE {services} ORDER BY id FOR NO KEY UPDATE;"
        f" {CLEAR} record_current_on IS NOT NULL AND ({services});"
    )


# "record_current_on IS NOT NULL": SQLite's writers hold the database's lock, so there a
# mark cleared already is not written again.
SQLITE_CLEAR = f"{CLEAR} record_current_on IS NOT NULL AND"
SQLITE_TRIGGERS = {
    **{
        f"{table}_{event}": body
        for table in SERVICE_ROWS
        for event, body in {
            "added": f"AFTER INSERT ON {table} BEGIN {SQLITE_CLEAR} id = NEW.service_id; END",
            "removed": f"AFTER DELETE ON {table} BEGIN {SQLITE_CLEAR} id = OLD.service_id; END",
            "changed": (
                f"AFTER UPDATE ON {table} "
                f"BEGIN {SQLITE_CLEAR} id IN (OLD.service_id, NEW.service_id); END"
            ),
        }.items()
    },
    "voice_license_factors_added": (
        f"AFTER INSERT ON voice_license_factors BEGIN {SQLITE_CLEAR} ({of_setting('NEW')}); END"
    ),
    "voice_license_factors_removed": (
        f"AFTER DELETE ON voice_license_factors BEGIN {SQLITE_CLEAR} ({of_setting('OLD')}); END"
    ),
    "voice_license_factors_changed": (
        "AFTER UPDATE ON voice_license_factors BEGIN "
        f"{SQLITE_CLEAR} ({of_setting('OLD')} OR {of_setting('NEW')}); END"
    ),
    "voice_service_changed": (
        f"AFTER UPDATE OF {SHOWN} ON voice_services BEGIN {SQLITE_CLEAR} id = NEW.id; END"
    ),
    "tenant_partner_changed": (
        f"AFTER UPDATE OF partner_id ON tenants BEGIN {SQLITE_CLEAR} tenant_id = NEW.id; END"
    ),
}

POSTGRESQL_FUNCTIONS = {
    "voice_service_rows_changed": f"""
        BEGIN
            IF TG_OP <> 'DELETE' THEN
                {locked_clear("id IN (SELECT service_id FROM new_rows)")}
            END IF;
            IF TG_OP <> 'INSERT' THEN
                {locked_clear("id IN (SELECT service_id FROM old_rows)")}
            END IF;
            RETURN NULL;
        END""",
    "voice_license_factors_changed": f"""
        BEGIN
            IF TG_OP <> 'INSERT' THEN {locked_clear(of_setting("OLD"))} END IF;
            IF TG_OP <> 'DELETE' THEN {locked_clear(of_setting("NEW"))} END IF;
            RETURN NULL;
        END""",
    "voice_service_changed": """
        BEGIN
            NEW.record_current_on := NULL;
            RETURN NEW;
        END""",
    "tenant_partner_changed": f"""
        BEGIN
            {locked_clear("tenant_id = NEW.id")}
            RETURN NULL;
        END""",
    "voice_inputs_truncated": f"""
        BEGIN
            {CLEAR} record_current_on IS NOT NULL;
            RETURN NULL;
        END""",
}
# Transition tables take one event per trigger.
TRANSITIONS = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}
POSTGRESQL_TRIGGERS = {
    **{
        f"{table}_{event.lower()}": (
            f"AFTER {event} ON {table} REFERENCING {transition} FOR EACH STATEMENT",
            "voice_service_rows_changed",
        )
        for table in SERVICE_ROWS
        for event, transition in TRANSITIONS.items()
    },
    "voice_license_factors_changed": (
        "AFTER INSERT OR UPDATE OR DELETE ON voice_license_factors FOR EACH ROW",
        "voice_license_factors_changed",
    ),
    # Before the row is written: the statement's own row loses its mark, in one write.
    "voice_service_changed": (
        f"BEFORE UPDATE OF {SHOWN} ON voice_services FOR EACH ROW",
        "voice_service_changed",
    ),
    "tenant_partner_changed": (
        "AFTER UPDATE OF partner_id ON tenants FOR EACH ROW",
        "tenant_partner_changed",
    ),
    **{
        f"{table}_truncated": (
            f"AFTER TRUNCATE ON {table} FOR EACH STATEMENT",
            "voice_inputs_truncated",
        )
        for table in (*SERVICE_ROWS, "voice_license_factors")
    },
}


def table_of(when: str) -> str:
    return when.split(" ON ")[1].split()[0]


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # OR REPLACE: dropping the tables (as the demo's rebuild does) leaves the functions.
        for name, body in POSTGRESQL_FUNCTIONS.items():
            op.execute(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql"
                f" AS $${body}\n$$"
            )
        for name, (when, function) in POSTGRESQL_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {function}()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, (when, _) in POSTGRESQL_TRIGGERS.items():
            op.execute(f"DROP TRIGGER {name} ON {table_of(when)}")
        for name in POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")


def upgrade() -> None:
    # No mark yet: each service's next read counts, writes and marks its record.
    op.add_column("voice_services", sa.Column("record_current_on", sa.Date(), nullable=True))
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    # In place (SQLite 3.35+): batch mode would make voice_services again, and SQLite refuses
    # to drop a table other tables' foreign keys point to.
    op.execute("ALTER TABLE voice_services DROP COLUMN record_current_on")
