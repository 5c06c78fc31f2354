"""Engines for the two stores: embedded SQLite and PostgreSQL.

Both get the same schema from the same migrations; what differs is settled here, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url


def normalize_url(url: str | URL) -> URL:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


# Each process keeps at most POOL_SIZE + MAX_OVERFLOW connections. The app lets no more
# requests than that wait for one (kit.pool_turns: pool_slot, lookup_lane): a request
# blocked on the pool would hold one of the 40 worker threads that the requests holding
# connections need.
POOL_SIZE = 10
MAX_OVERFLOW = 10
CONNECTIONS = POOL_SIZE + MAX_OVERFLOW
SQLITE_MMAP_BYTES = 8 * 2**30
# The sqlite_begin execution option of a connection whose statements are transactions of their
# own (kit.dependencies.Turn.reading).
AUTOCOMMIT = "AUTOCOMMIT"


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    parsed = normalize_url(url)
    if parsed.database not in (None, "", ":memory:"):
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _sqlite_engine(url: URL, **kwargs: Any) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # The app serves requests from a thread pool; SQLite connections may cross threads
    # because the pool hands each one to a single request at a time.
    kwargs.setdefault("connect_args", {"check_same_thread": False})
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy's recipe for pysqlite: take transaction control away from the sqlite3
        # module (which begins late and breaks SAVEPOINT) and emit BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 5000")
        # Read pages straight from the OS page cache, shared by every connection, instead of
        # copying them into each connection's own 2 MB cache: point lookups on a large ledger
        # touch pages all over it. Address space only; the OS decides what stays in memory.
        cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writers ask for IMMEDIATE (see write_transaction): they take the write lock up front
        # and wait (busy_timeout) for other writers. A transaction that reads first and writes
        # later would otherwise fail at once with "database is locked" when another
        # connection committed in between. Readers stay DEFERRED and never wait in WAL mode;
        # a read that needs no snapshot sends no BEGIN (AUTOCOMMIT): each statement is then
        # a transaction of its own, and the COMMIT at the end finds none open.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode != AUTOCOMMIT:
            conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock at its start."""
    with engine.connect() as connection:
        connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            yield connection
