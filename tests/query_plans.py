"""What SQLite's plan for a statement reads: for tests that hold a lookup to probes by key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine


def sqlite_reads(engine: Engine, statement: Any) -> list[str]:
    """The plan's steps that read a table or build one (SCAN, SEARCH, MATERIALIZE): a lookup
    that probes by key has only SEARCH steps."""
    sql = str(statement.compile(engine))
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (None,) * sql.count("?"))
        steps = [row[-1] for row in plan]
    reads = [step for step in steps if step.startswith(("SCAN", "SEARCH", "MATERIALIZE"))]
    assert reads, steps
    return reads
