"""Figure 3's baseline: the rows an import finally wrote, read back, the tables emptied, and
exactly those rows bulk-inserted straight into the same tables with licensehub's own driver:
COPY on PostgreSQL (psycopg 3), executemany on SQLite (sqlite3), in one transaction."""

from __future__ import annotations

import csv
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

Rows = dict[str, tuple[list[str], list[tuple[Any, ...]]]]  # table -> columns, rows


def bulk_insert_seconds(url: str, tables: Sequence[str]) -> tuple[int, float]:
    """(rows, seconds) of the bulk insert. `tables` in foreign-key order, parents first."""
    if make_url(url).get_backend_name() == "sqlite":
        return sqlite_seconds(url, tables)
    return postgres_seconds(url, tables)


def sqlite_connection(url: str) -> sqlite3.Connection:
    connection = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    # The pragmas licensehub's engine sets: the same durability and the same checks.
    for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def sqlite_seconds(url: str, tables: Sequence[str]) -> tuple[int, float]:
    connection = sqlite_connection(url)
    try:
        written = read_back(connection.cursor(), tables)
        connection.execute("BEGIN IMMEDIATE")
        for table in reversed(tables):
            connection.execute(f"DELETE FROM {table}")
        connection.execute("COMMIT")
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        for table, (columns, rows) in written.items():
            marks = ", ".join("?" * len(columns))
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )
        connection.execute("COMMIT")
        return count(written), time.perf_counter() - started
    finally:
        connection.close()


def postgres_seconds(url: str, tables: Sequence[str]) -> tuple[int, float]:
    with psycopg.connect(url) as connection:
        with connection.cursor() as cursor:
            written = read_back(cursor, tables)
            # Empty storage, as the import found it; CASCADE reaches only the (empty) tables
            # that refer to these, e.g. voice and backup users.
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table, (columns, rows) in written.items():
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        connection.commit()
        return count(written), time.perf_counter() - started


def read_back(cursor: Any, tables: Sequence[str]) -> Rows:
    written: Rows = {}
    for table in tables:
        cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # as they were inserted
        columns = [column[0] for column in cursor.description]
        written[table] = columns, cursor.fetchall()
    return written


def count(written: Rows) -> int:
    return sum(len(rows) for _, rows in written.values())


def raw_load_seconds(url: str, report: Path) -> tuple[int, float]:
    """(rows, seconds) to load a CSV report as it is into a table of text columns (dropped
    again): what storing the report's rows, rather than counting them, would cost. Not the
    figure's baseline (that is the rows the import writes), but a yardstick for it."""
    with report.open(encoding="utf-8-sig", newline="") as file:
        width = len(next(csv.reader(file)))
    create = f"CREATE TABLE bench_raw_report ({', '.join(f'c{n} text' for n in range(width))})"
    if make_url(url).get_backend_name() == "sqlite":
        return sqlite_raw_load(url, report, create, width)
    return postgres_raw_load(url, report, create)


def sqlite_raw_load(url: str, report: Path, create: str, width: int) -> tuple[int, float]:
    connection = sqlite_connection(url)
    try:
        started = time.perf_counter()
        with report.open(encoding="utf-8-sig", newline="") as file:
            rows = csv.reader(file)
            next(rows)
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(create)
            marks = ", ".join("?" * width)
            cursor = connection.executemany(f"INSERT INTO bench_raw_report VALUES ({marks})", rows)
            connection.execute("COMMIT")
        seconds = time.perf_counter() - started
        connection.execute("DROP TABLE bench_raw_report")
        return cursor.rowcount, seconds
    finally:
        connection.close()


def postgres_raw_load(url: str, report: Path, create: str) -> tuple[int, float]:
    copy_sql = "COPY bench_raw_report FROM STDIN (FORMAT csv, HEADER true)"
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(create)
        with report.open("rb") as file, cursor.copy(copy_sql) as copy:
            if file.read(3) != b"\xef\xbb\xbf":  # COPY would take a BOM for data
                file.seek(0)
            while chunk := file.read(1 << 20):
                copy.write(chunk)
        loaded = cursor.rowcount
        connection.commit()
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw_report")
        connection.commit()
        return loaded, seconds
