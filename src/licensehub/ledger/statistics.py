"""Fresh planner statistics for the tables an import is filling (PostgreSQL).

PostgreSQL plans each statement from its statistics of the tables, and the foreign-key
check of each inserted row once per session. Planned while a table looked empty or small,
a lookup in it scans the whole table, which this import keeps growing: quadratic on a
first large import (a 120,000-row usage file into an empty ledger took 103 s, each
batch's lookup of its existing rows reading every row imported so far; SQLite, which plans
without statistics here, took 6 s). ANALYZE in the import's transaction counts the rows
the import has written so far, and the plans made after it use the indexes.

ANALYZE holds a lock on the table that only other maintenance (ANALYZE, VACUUM, CREATE
INDEX, migrations) waits for, until the import's transaction ends. SKIP_LOCKED leaves the
table as it is when another import holds that lock already, rather than waiting for it with
a transaction open. PostgreSQL analyzes only for the table's owner (or, from 17, a role with
MAINTAIN on it), and skips the table with a warning for any other role: the role that
migrated the ledger owns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, text

# Rows added to a table before its statistics may be stale enough to matter.
ANALYZE_AFTER = 1000

# -1 when the table was never analyzed (PostgreSQL 14+). :name as the table is named in SQL.
RELTUPLES = text("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = CAST(:name AS regclass)")


def sql_name(connection: Connection, table: Table) -> str:
    return connection.dialect.identifier_preparer.format_table(table)


def planned_rows(connection: Connection, table: Table) -> float:
    """The table's rows as PostgreSQL's statistics have them, which is what it plans from (an
    ANALYZE in the connection's open transaction is seen in it)."""
    return float(connection.execute(RELTUPLES, {"name": sql_name(connection, table)}).scalar_one())


@dataclass
class TableGrowth:
    """The rows an import has added to each table. Once they are at least ANALYZE_AFTER and
    more than the table's statistics knew of when the import began, the table is analyzed,
    once in the import: a daily import into a large, analyzed ledger costs no ANALYZE."""

    connection: Connection
    added: dict[str, int] = field(default_factory=dict)
    known: dict[str, float] = field(default_factory=dict)  # rows, as the statistics had it
    analyzed: set[str] = field(default_factory=set)

    def grew(self, table: Table, rows: int) -> None:
        if self.connection.dialect.name != "postgresql" or table.name in self.analyzed:
            return
        if table.name not in self.known:
            self.known[table.name] = planned_rows(self.connection, table)
        added = self.added[table.name] = self.added.get(table.name, 0) + rows
        if added >= ANALYZE_AFTER and added > self.known[table.name]:
            self.analyzed.add(table.name)
            name = sql_name(self.connection, table)
            self.connection.exec_driver_sql(f"ANALYZE (SKIP_LOCKED) {name}")
