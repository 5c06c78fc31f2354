"""Typed dependencies that endpoints declare: the ledger connection of the request, a
writer's or a reader's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from licensehub.ledger.database import write_transaction


async def database_slot(request: Request) -> AsyncIterator[None]:
    """A turn at the connection pool, waited for on the event loop. Without it, under load
    every worker thread could sit blocked on the pool while the requests that hold the
    connections wait for a thread to run their endpoint: nothing moves until the pool's
    timeout."""
    async with request.app.state.database_slots:
        yield


DatabaseSlot = Depends(database_slot)


def ledger_connection(request: Request, _: None = DatabaseSlot) -> Iterator[Connection]:
    """One transaction per request: committed when the endpoint returns, else rolled back.
    Requests may write (even a GET records today's license info), so it is a writer's."""
    with write_transaction(request.app.state.engine) as connection:
        yield connection


Ledger = Annotated[Connection, Depends(ledger_connection)]


def reader_connection(request: Request, _: None = DatabaseSlot) -> Iterator[Connection]:
    """One read transaction per request, for endpoints that never write: on SQLite it takes
    no write lock, so readers never queue behind writers or each other."""
    with request.app.state.engine.connect() as connection, connection.begin():
        yield connection


LedgerReader = Annotated[Connection, Depends(reader_connection)]
