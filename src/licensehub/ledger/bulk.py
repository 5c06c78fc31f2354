"""Bulk loads: many new rows into one table, in the caller's transaction, as fast as each store
takes them. PostgreSQL gets COPY (psycopg 3); SQLite gets the driver's executemany with a tuple
per row, each value converted by the column type's own bind processor.

SQLAlchemy's executemany builds and processes a dict of parameters per row, and on PostgreSQL
sends each row as a statement of its own: for a few hundred thousand rows that costs more
than the database's work. Rows written here name their parents by id, so those ids are taken
before the insert (RowIds), never read back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select, text


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    same: Mapping[str, Any] | None = None,
) -> None:
    """Insert rows (values in the order of `columns`, as Python values: UUIDs, aware
    datetimes, ...) into `table`, each with the values in `same` too (converted once).
    Defaults are not applied: give every column that needs one."""
    same = same or {}
    names = [*columns, *same]
    if connection.dialect.name == "postgresql":
        copy_rows(connection, f"COPY {table.name} ({', '.join(names)}) FROM STDIN", rows, same)
        return
    processors = [bind_processor(connection, table, name) for name in columns]
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
    marks = ", ".join("?" * len(names))
    if parameters:  # none would run the statement once, with no values
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", parameters
        )


def copy_rows(
    connection: Connection,
    statement: str,
    rows: Iterable[tuple[Any, ...]],
    same: Mapping[str, Any],
) -> None:
    driver = connection.connection.driver_connection  # psycopg's, in the same transaction
    assert driver is not None
    shared = tuple(same.values())
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row((*row, *shared) if shared else row)


def bind_processor(connection: Connection, table: Table, column: str) -> Any:
    """What SQLAlchemy does to a value of this column before the driver sees it."""
    dialect = connection.dialect
    return table.c[column].type.dialect_impl(dialect).bind_processor(dialect)


class RowIds:
    """Ids for a table's new rows, handed out before they are inserted, so that their
    children can name them. PostgreSQL takes them from the id column's sequence. SQLite has no
    sequence, but a ledger write holds its only write lock from BEGIN (BEGIN IMMEDIATE), so
    nothing else inserts until commit: ids past the largest are free."""

    def __init__(self, connection: Connection, table: Table) -> None:
        self.connection, self.table = connection, table
        self.next: int | None = None  # SQLite's next free id, once read

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
        if self.next is None:
            largest = self.connection.execute(select(func.max(self.table.c.id))).scalar()
            self.next = (largest or 0) + 1
        first, self.next = self.next, self.next + count
        return list(range(first, self.next))
