"""The migrations build exactly the schema the table definitions describe, on both stores."""

from __future__ import annotations

import re
import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from licensehub.ledger.migrate import downgrade, upgrade
from licensehub.ledger.tables import metadata


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (users' lower(userPrincipalName) index), so
        # Alembic skips comparing that one there and says so; PostgreSQL compares it too.
        for skipped in (
            "autogenerate skipping metadata-specified expression-based index",
            "Skipped unsupported reflection of expression-based index",
        ):
            warnings.filterwarnings("ignore", message=skipped)
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    assert schema_differences(engine) == []


def test_every_table_is_created(engine: Engine) -> None:
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())


def test_case_insensitive_upn_index_exists(engine: Engine) -> None:
    catalog = {
        "sqlite": "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name",
        "postgresql": "SELECT indexdef FROM pg_indexes WHERE indexname = :name",
    }[engine.dialect.name]
    with engine.connect() as connection:
        definition = connection.execute(text(catalog), {"name": "ix_users_tenant_upn"}).scalar()
    assert definition is not None
    # SQLite keeps the DDL as written; PostgreSQL writes lower((user_principal_name)::text).
    assert re.search(r"lower\(\(?user_principal_name", definition, re.IGNORECASE)


def test_downgrade_to_nothing_and_back(engine: Engine) -> None:
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert schema_differences(engine) == []


def test_upgrading_a_current_ledger_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    assert schema_differences(engine) == []
