"""each SKU keeps its service plans written out as JSON

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 01:40:00

User licenses and subscribedskus answer each SKU's service plans, and the database wrote
each plan's JSON on every lookup: on SQLite 87 of user licenses' 95 us of SQL for one SKU of
34 plans. The plans change only with the catalog, so each SKU keeps them written out
(skus.plans_body, partner_center/plan_bodies.py), and these triggers clear that copy
whenever a SKU gains or loses a plan or a plan is renamed, whatever writes it: a copy may be
missing (a lookup then writes the plans out as before), never stale. Whoever writes the
catalog then writes the missing copies (plan_bodies.write_plan_bodies).

On SQLite, a later batch_alter_table that recreates service_plans or sku_service_plans
drops their triggers: such a migration must create them again (SQLITE_TRIGGERS below).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# "AND plans_body IS NOT NULL": a copy cleared already is not written again (on PostgreSQL
# every UPDATE of a row writes a new version of it).
CLEAR = "UPDATE skus SET plans_body = NULL WHERE plans_body IS NOT NULL AND sku_id"
PLANS_OF = "(SELECT sku_id FROM sku_service_plans WHERE service_plan_id IN ({}))"

SQLITE_TRIGGERS = {
    "sku_plan_added": f"AFTER INSERT ON sku_service_plans BEGIN {CLEAR} = NEW.sku_id; END",
    "sku_plan_removed": f"AFTER DELETE ON sku_service_plans BEGIN {CLEAR} = OLD.sku_id; END",
    "sku_plan_moved": (
        f"AFTER UPDATE ON sku_service_plans BEGIN {CLEAR} IN (OLD.sku_id, NEW.sku_id); END"
    ),
    "service_plan_changed": (
        "AFTER UPDATE ON service_plans BEGIN "
        f"{CLEAR} IN {PLANS_OF.format('OLD.service_plan_id, NEW.service_plan_id')}; END"
    ),
}

POSTGRESQL_FUNCTIONS = {
    "sku_plan_changed": f"""
        BEGIN
            IF TG_OP <> 'INSERT' THEN {CLEAR} = OLD.sku_id; END IF;
            IF TG_OP <> 'DELETE' THEN {CLEAR} = NEW.sku_id; END IF;
            RETURN NULL;
        END""",
    "service_plan_changed": f"""
        BEGIN
            {CLEAR} IN {PLANS_OF.format("OLD.service_plan_id, NEW.service_plan_id")};
            RETURN NULL;
        END""",
}
POSTGRESQL_TRIGGERS = {
    "sku_plan_changed": "AFTER INSERT OR UPDATE OR DELETE ON sku_service_plans",
    "service_plan_changed": "AFTER UPDATE ON service_plans",
}


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # OR REPLACE: dropping the tables (as the demo's rebuild does) leaves the functions.
        for name, body in POSTGRESQL_FUNCTIONS.items():
            op.execute(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql"
                f" AS $${body}\n$$"
            )
        for name, when in POSTGRESQL_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION {name}()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, when in POSTGRESQL_TRIGGERS.items():
            op.execute(f"DROP TRIGGER {name} ON {when.split()[-1]}")
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")


def upgrade() -> None:
    # Imported here: the app's writer of the copies, as of this revision (written by SQL
    # from the catalog's own rows, it reads only skus, service_plans and sku_service_plans).
    from licensehub.partner_center.plan_bodies import write_plan_bodies

    op.add_column("skus", sa.Column("plans_body", sa.Text(), nullable=True))
    create_triggers()
    write_plan_bodies(op.get_bind())


def downgrade() -> None:
    drop_triggers()
    # In place (SQLite 3.35+): batch mode would make skus again, and SQLite refuses to drop
    # a table other tables' foreign keys point to.
    op.execute("ALTER TABLE skus DROP COLUMN plans_body")
