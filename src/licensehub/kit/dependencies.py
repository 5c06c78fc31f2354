"""An endpoint's turn at the ledger: a typed dependency for most (LedgerTurn), a call inside
the endpoint for the point lookups (looked_up)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from licensehub.auth.scope import CurrentPrincipal
from licensehub.kit.pool_turns import lookup_lane, pool_slot
from licensehub.ledger.database import AUTOCOMMIT, write_transaction

P = ParamSpec("P")
R = TypeVar("R")


async def database_slot(request: Request) -> AsyncIterator[None]:
    """pool_slot for the whole request, as a dependency."""
    async with pool_slot(request.app.state):
        yield


DatabaseSlot = Depends(database_slot)


SECOND_TRANSACTION = (
    "This turn already has a transaction open. A turn is one connection of the pool "
    "(pool_slot and lookup_lane count them): a request holding two connections at once can "
    "wait on the pool for connections that only requests like it would free. End the first "
    "transaction before opening the next."
)


@dataclass(slots=True)
class Turn:
    """A request's turn at the ledger: the endpoint opens its transaction itself, in the
    worker thread it already runs in. A generator dependency would open and close it in two
    more trips to the thread pool, which cost a point lookup more than its queries do
    (bench/HISTORY.md). The turn is one pool slot: one transaction open at a time; opening
    a second one while the first is open raises RuntimeError."""

    engine: Engine
    _open: bool = field(default=False, init=False, repr=False, compare=False)

    def _claim(self) -> None:
        if self._open:
            raise RuntimeError(SECOND_TRANSACTION)
        self._open = True

    @contextmanager
    def reading(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A read: it takes no write lock, so on SQLite readers never queue behind writers
        or each other.

        With ``snapshot``, every statement sees the ledger as it was at the first one, as a
        count and the page it counts must. SQLite gets it from a deferred read transaction,
        which sees one snapshot from its first read to its end. PostgreSQL's default READ
        COMMITTED takes a new snapshot for each statement, so the transaction asks for
        REPEATABLE READ: psycopg sends it in the transaction's BEGIN, no trip of its own,
        and the pool puts the connection's default back, again without a trip, when the
        connection is returned.

        Without ``snapshot``, each statement is a transaction of its own (autocommit), which
        is all READ COMMITTED gives a statement inside a transaction too. PostgreSQL is sent
        no BEGIN and no COMMIT, each a round trip to the server (a point lookup's one
        statement was one of four trips); SQLite none either (ledger.database: BEGIN through
        SQLAlchemy and COMMIT cost a one-statement lookup ~25 us of its ~0.25 ms)."""
        self._claim()
        try:
            with self.engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    level = "REPEATABLE READ" if snapshot else "AUTOCOMMIT"
                    connection.execution_options(isolation_level=level)
                elif not snapshot:
                    connection.execution_options(sqlite_begin=AUTOCOMMIT)
                with connection.begin():
                    yield connection
        finally:
            self._open = False

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction that may write: committed when the block ends, else rolled back."""
        self._claim()
        try:
            with write_transaction(self.engine) as connection:
                yield connection
        finally:
            self._open = False


# As for looked_up below: the caller is checked before the request waits for a slot of the
# pool, so that a slot never waits on a token's check and a refused caller never waits.
async def ledger_turn(request: Request, _caller: CurrentPrincipal, _: None = DatabaseSlot) -> Turn:
    return Turn(request.app.state.engine)


LedgerTurn = Annotated[Turn, Depends(ledger_turn)]


async def looked_up(
    request: Request, read: Callable[Concatenate[Turn, P], R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """A point lookup's read, `read(turn, *args, **kwargs)`, in one of the lookup lanes
    (pool_turns.lookup_lane), in the thread pool as a plain `def` endpoint runs. For read-only
    lookups only: a request that may write waits on SQLite's one write lock, and would hold a
    lane while it waits.

    Called by the endpoint, not declared as a dependency: a lane held across the endpoint
    would be a generator dependency, and served on 2 cores that cost a lookup ~0.1 ms of its
    ~1.1 (bench/HISTORY.md). The endpoint's dependencies are solved before its body runs, so
    the caller is still checked before the lane is waited for: a lane never waits on a
    token's check (with Entra sign-in, maybe a fetch of the issuer's keys), and a caller
    refused never waits for a lane. The lane is given back when `read` returns."""
    state = request.app.state
    async with lookup_lane(state):
        return await run_in_threadpool(read, Turn(state.engine), *args, **kwargs)
