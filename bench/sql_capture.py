"""The SQL an endpoint sends, captured from the real app in this process, to be sent again
straight through the same driver as a baseline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from licensehub.app import create_app
from licensehub.settings import Settings


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any


def captured_sql_of_each(url: str, paths: Sequence[str], token: str) -> list[list[Statement]]:
    """Every statement each request makes licensehub send, one app for them all."""
    app = create_app(Settings(database_url=url))
    found: list[Statement] = []

    def keep(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        # SQLite's BEGIN IMMEDIATE is transaction control, not the query; the baseline
        # runs its statements on one connection as they come.
        if not sql.lstrip().upper().startswith("BEGIN"):
            found.append(Statement(sql, parameters))

    each = []
    with TestClient(app) as client:
        engine = app.state.engine
        event.listen(engine, "before_cursor_execute", keep)
        try:
            for path in paths:
                response = client.get(path, headers={"Authorization": f"Bearer {token}"})
                response.raise_for_status()
                each.append(list(found))
                found.clear()
        finally:
            event.remove(engine, "before_cursor_execute", keep)
    return each


def raw_runner(
    url: str, transactions: Sequence[list[Statement]]
) -> tuple[Callable[[], int], Callable[[], None]]:
    """A function sending each transaction's statements in turn on one plain DBAPI
    connection, fetching every row and committing after each, and one closing that
    connection."""
    from licensehub.ledger.database import make_engine

    engine = make_engine(url)
    raw = engine.raw_connection()

    def run() -> int:
        rows = 0
        cursor = raw.cursor()
        for group in transactions:
            for statement in group:
                cursor.execute(statement.sql, statement.parameters)
                rows += len(cursor.fetchall())
            raw.commit()
        cursor.close()
        return rows

    def close() -> None:
        raw.close()
        engine.dispose()

    return run, close
