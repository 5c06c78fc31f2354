"""Opening the ledger from the command line: migrated first when it is the embedded one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from licensehub.ledger.database import make_engine
from licensehub.ledger.migrate import upgrade


@contextmanager
def open_ledger(url: str, migrate: bool) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        if migrate:
            upgrade(engine)
        yield engine
    finally:
        engine.dispose()
