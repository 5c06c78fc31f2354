"""The SQL an endpoint sends, captured from the real app in this process, to be sent again
straight through the same driver as a baseline."""

from __future__ import annotations

from collections.abc import Callable
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


def captured_sql(url: str, path: str, token: str) -> list[Statement]:
    """Every statement the request at `path` makes licensehub send."""
    app = create_app(Settings(database_url=url))
    found: list[Statement] = []

    def keep(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        # SQLite's BEGIN IMMEDIATE is transaction control, not the query; the baseline
        # runs its statements on one connection as they come.
        if not sql.lstrip().upper().startswith("BEGIN"):
            found.append(Statement(sql, parameters))

    with TestClient(app) as client:
        engine = app.state.engine
        event.listen(engine, "before_cursor_execute", keep)
        try:
            response = client.get(path, headers={"Authorization": f"Bearer {token}"})
            response.raise_for_status()
        finally:
            event.remove(engine, "before_cursor_execute", keep)
    return found


def raw_runner(
    url: str, statements: list[Statement]
) -> tuple[Callable[[], int], Callable[[], None]]:
    """A function sending the statements on one plain DBAPI connection, fetching every row,
    and one closing that connection."""
    from licensehub.ledger.database import make_engine

    engine = make_engine(url)
    raw = engine.raw_connection()

    def run() -> int:
        rows = 0
        cursor = raw.cursor()
        for statement in statements:
            cursor.execute(statement.sql, statement.parameters)
            rows += len(cursor.fetchall())
        cursor.close()
        raw.commit()
        return rows

    def close() -> None:
        raw.close()
        engine.dispose()

    return run, close
