"""Opening the ledger from the command line: migrated first when it is the embedded one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from licensehub.ledger.database import make_engine


@contextmanager
def open_ledger(url: str, migrate: bool) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        if migrate:
            # Alembic is loaded only here: a command on a server ledger never migrates it.
            from licensehub.ledger.migrate import upgrade

            upgrade(engine)
        yield engine
    finally:
        engine.dispose()
