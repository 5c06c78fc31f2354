"""Typed dependencies that endpoints declare: the ledger connection of the request, a
writer's or a reader's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from licensehub.ledger.database import write_transaction


def ledger_connection(request: Request) -> Iterator[Connection]:
    """One transaction per request: committed when the endpoint returns, else rolled back.
    Requests may write (even a GET records today's license info), so it is a writer's."""
    with write_transaction(request.app.state.engine) as connection:
        yield connection


Ledger = Annotated[Connection, Depends(ledger_connection)]


def reader_connection(request: Request) -> Iterator[Connection]:
    """One read transaction per request, for endpoints that never write: on SQLite it takes
    no write lock, so readers never queue behind writers or each other."""
    with request.app.state.engine.connect() as connection, connection.begin():
        yield connection


LedgerReader = Annotated[Connection, Depends(reader_connection)]
