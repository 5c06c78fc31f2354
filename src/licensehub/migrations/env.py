"""Alembic environment: run migrations on the connection licensehub hands over, or on the
URL of alembic.ini / LICENSEHUB_DATABASE_URL when a developer runs `alembic` directly."""

from alembic import context
from sqlalchemy import Connection

from licensehub.ledger.database import make_engine
from licensehub.ledger.tables import metadata
from licensehub.settings import Settings


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or Settings().ledger_url
    engine = make_engine(url)
    with engine.connect() as conn:
        run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("licensehub migrations run online only: `licensehub db upgrade`")
main()
