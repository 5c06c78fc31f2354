"""A request's turn at the connection pool, waited for on the event loop: the shared slots
(pool_slot) and the point lookups' lanes (lookup_lane). The app sizes both in its lifespan,
so that together they never ask for more connections than the pool has. Apart from the
dependencies that use them (kit/dependencies.py), so that authentication, which those
dependencies wait on, and the audit middleware can take a turn too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.datastructures import State


@asynccontextmanager
async def pool_slot(state: State) -> AsyncIterator[None]:
    """A turn at the connection pool of the app whose state this is, waited for on the event
    loop. Without it, under load every worker thread could sit blocked on the pool while the
    requests that hold the connections wait for a thread to run their endpoint: nothing
    moves until the pool's timeout. It takes the app's state, not a request, so that
    middleware, which has only the ASGI scope, takes its turns here too."""
    async with state.database_slots:
        yield


# Lookup lanes unless settings.lookup_concurrency says otherwise. Measured on 2 cores at 16
# and 64 connections (bench/HISTORY.md): on SQLite 2 lanes answered the most; on
# PostgreSQL 2 to 8 answered within this machine's noise of each other. A lookup on
# PostgreSQL also waits on a round trip per statement, which other lanes can use: across a
# network, more lanes hide more of them.
LOOKUP_LANES = {"sqlite": 2, "postgresql": 4}
DEFAULT_LOOKUP_LANES = 2


def lookup_lanes(configured: int | None, dialect: str) -> int:
    return configured or LOOKUP_LANES.get(dialect, DEFAULT_LOOKUP_LANES)


@asynccontextmanager
async def lookup_lane(state: State) -> AsyncIterator[None]:
    """A point lookup's turn at the ledger: one of a few lanes, each with a connection of
    the pool kept for it (the app gives the other requests' slots the rest). A lookup spends
    most of its time in Python, so past a few at a time the worker threads only take the GIL
    from each other: at 16 and 64 connections, 2 lanes answered 16-83% more lookups a second
    than 20 turns at the shared slots did (bench/HISTORY.md). Lookups never wait on a slot
    that analytics, imports or the lists hold, nor those on a lane. It takes the app's state,
    as pool_slot does."""
    async with state.lookup_slots:
        yield
