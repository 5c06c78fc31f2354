"""Typed dependencies that endpoints declare: their turn at the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

from licensehub.ledger.database import write_transaction


async def database_slot(request: Request) -> AsyncIterator[None]:
    """A turn at the connection pool, waited for on the event loop. Without it, under load
    every worker thread could sit blocked on the pool while the requests that hold the
    connections wait for a thread to run their endpoint: nothing moves until the pool's
    timeout."""
    async with request.app.state.database_slots:
        yield


DatabaseSlot = Depends(database_slot)


@dataclass(frozen=True)
class Turn:
    """A request's turn at the ledger: the endpoint opens its transaction itself, in the
    worker thread it already runs in. A generator dependency would open and close it in two
    more trips to the thread pool, which cost a point lookup more than its queries do
    (README: Benchmarks). The turn is one pool slot: one transaction open at a time."""

    engine: Engine

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction: on SQLite it takes no write lock, so readers never queue
        behind writers or each other."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction that may write: committed when the block ends, else rolled back."""
        with write_transaction(self.engine) as connection:
            yield connection


async def ledger_turn(request: Request, _: None = DatabaseSlot) -> Turn:
    return Turn(request.app.state.engine)


LedgerTurn = Annotated[Turn, Depends(ledger_turn)]
