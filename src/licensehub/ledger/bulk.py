"""Bulk loads: many new rows into one table, in the caller's transaction, as fast as each store
takes them: each value converted by its column type's own bind processor, then COPY on
PostgreSQL (psycopg 3) and the driver's executemany of tuples on SQLite.

SQLAlchemy's executemany builds and processes a dict of parameters per row, and on PostgreSQL
sends each row as a statement of its own: for a few hundred thousand rows that costs more
than the database's work. Rows written here name their parents by id, so those ids are taken
before the insert (RowIds), never read back."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, Uuid, func, select, text
from sqlalchemy.exc import DBAPIError


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    same: Mapping[str, Any] | None = None,
    repeating: Collection[str] = (),
    hex_uuids: Collection[str] = (),
) -> None:
    """Insert rows (values in the order of `columns`, as Python values: UUIDs, aware
    datetimes, ...) into `table`, each with the values in `same` too (converted once). Each
    value goes through its column type's bind processing, as in SQLAlchemy's own inserts
    (a naive datetime is refused on both stores); in the `repeating` columns, whose rows
    share a few values (SKUs, dates), each distinct value is converted once. The `hex_uuids`
    columns, UUID columns, are given as the UUID's 32 hex digits (f"{uuid_int:032x}"): what
    SQLite keeps and what PostgreSQL's COPY reads as a uuid, with no UUID made per row (1 us
    each). Defaults are not applied: give every column that needs one. A value the store
    refuses raises SQLAlchemy's error, as an insert would."""
    same = same or {}
    names = [*columns, *same]
    processors: list[Callable[[Any], Any] | None] = []
    for name in columns:
        if name in hex_uuids:
            if not isinstance(table.c[name].type, Uuid):
                raise TypeError(f"{table.name}.{name} is not a UUID column")
            processors.append(None)
            continue
        process = bind_processor(connection, table, name)
        processors.append(once_each(process) if process and name in repeating else process)
    shared = tuple(
        value if (process := bind_processor(connection, table, name)) is None else process(value)
        for name, value in same.items()
    )
    if any(processors):
        converting = [(i, p) for i, p in enumerate(processors) if p is not None]

        def stored(row: tuple[Any, ...]) -> tuple[Any, ...]:
            values = list(row)
            for index, process in converting:
                values[index] = process(values[index])
            return (*values, *shared)

        parameters = list(map(stored, rows))
    else:
        parameters = [(*row, *shared) for row in rows]
    if not parameters:  # none would run the statement once, with no values
        return
    if connection.dialect.name == "postgresql":
        copy_rows(connection, f"COPY {table.name} ({', '.join(names)}) FROM STDIN", parameters)
    else:
        marks = ", ".join("?" * len(names))
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", parameters
        )


def copy_rows(connection: Connection, statement: str, rows: list[tuple[Any, ...]]) -> None:
    import psycopg  # only PostgreSQL ledgers have it loaded

    driver = connection.connection.driver_connection  # psycopg's, in the same transaction
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:
        # psycopg's own cursor raises psycopg's errors: give them SQLAlchemy's classes
        # (IntegrityError, DataError, ...), which the runner explains and records.
        raise DBAPIError.instance(
            statement, None, exc, psycopg.Error, dialect=connection.dialect
        ) from exc


def once_each(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, remembering what it made of each value: an aware datetime takes ~1.5 us to
    convert, ~0.04 us to look up. Only for types whose equal values convert alike (UUIDs,
    aware datetimes, text); not where they may differ (1 and True, Decimal 1.0 and 1.00)."""
    converted: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        try:
            return converted[value]
        except KeyError:
            converted[value] = found = process(value)
            return found

    return remembered


def bind_processor(connection: Connection, table: Table, column: str) -> Any:
    """What SQLAlchemy does to a value of this column before the driver sees it."""
    dialect = connection.dialect
    return table.c[column].type.dialect_impl(dialect).bind_processor(dialect)


class RowIds:
    """Ids for a table's new rows, handed out before they are inserted, so that their
    children can name them. PostgreSQL takes them from the id column's sequence. SQLite has no
    sequence, but a ledger write holds its only write lock from BEGIN (BEGIN IMMEDIATE), so
    nothing else inserts until commit: ids past the largest are free. (In a deferred
    transaction, another writer would make this one fail busy, never collide.) On SQLite,
    insert the rows whose ids were taken before inserting into the table the ordinary way,
    which would hand out the largest id plus one again."""

    def __init__(self, connection: Connection, table: Table) -> None:
        self.connection, self.table = connection, table
        self.next: int | None = None  # SQLite: past the ids handed out, not yet inserted

    def take(self, count: int) -> list[int]:
        if count == 0:
            return []
        if self.connection.dialect.name == "postgresql":
            # One array, not a row per id: psycopg reads it in C.
            taken = self.connection.execute(
                text(
                    "SELECT array_agg(nextval(pg_get_serial_sequence(:t, 'id'))) "
                    "FROM generate_series(1, :n)"
                ),
                {"t": self.table.name, "n": count},
            )
            return list(taken.scalar_one())
        # Read each time (an index seek): a row inserted the ordinary way in between, in the
        # same transaction, moves the largest id on.
        largest = self.connection.execute(select(func.max(self.table.c.id))).scalar() or 0
        first = max(self.next or 0, largest + 1)
        self.next = first + count
        return list(range(first, self.next))
