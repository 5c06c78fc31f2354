"""Partner Center's ways of writing a GUID and a date, in SQL, for the JSON rows the database
writes (kit/json_rows.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement


class GuidText(FunctionElement[str]):
    """A GUID column as Partner Center writes it: lower case, with hyphens."""

    type = Text()
    inherit_cache = True
    name = "guid_text"


class DateTimeText(FunctionElement[str]):
    """A date as Partner Center's processedDateTime: 2026-11-20T00:00:00."""

    type = Text()
    inherit_cache = True
    name = "date_time_text"


@compiles(GuidText, "postgresql")
def _guid_postgresql(element: GuidText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(GuidText, "sqlite")
def _guid_sqlite(element: GuidText, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps a GUID as 32 hex digits (SQLAlchemy's Uuid on a store without one).
    hex_ = compiler.process(element.clauses, **kw)
    parts = [(1, 8), (9, 4), (13, 4), (17, 4), (21, 12)]
    return "lower(" + " || '-' || ".join(f"substr({hex_}, {a}, {n})" for a, n in parts) + ")"


@compiles(DateTimeText, "postgresql")
def _date_postgresql(element: DateTimeText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD') || 'T00:00:00'"


@compiles(DateTimeText, "sqlite")
def _date_sqlite(element: DateTimeText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} || 'T00:00:00')"
