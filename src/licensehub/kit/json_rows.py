"""Rows as JSON text made by the database itself: a page of 10,000 rows then costs Python a
string join, not 10,000 dicts to build and encode, and licensehub answers about as fast as
the database does. The text is compact, as pydantic writes it, on both stores."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Subquery, Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal, _TraverseInternalsType

# What a name may hold to be spelled out in SQL and JSON alike, with no quoting to get wrong
# (the Live Platform's factor names have spaces and dashes).
FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_ -]*")


class JsonObject(FunctionElement[str]):
    """A JSON object of (name, value) pairs, in that order, as text; a value may be a
    JsonObject or a JsonBool in turn. The names are written into the SQL, not bound: they
    are the body's field names, and a statement's bound values are processed again on every
    execution."""

    type = Text()
    inherit_cache = True
    name = "json_object"
    # The names are part of the statement's key in SQLAlchemy's cache of compiled SQL.
    _traverse_internals: _TraverseInternalsType = [  # noqa: RUF012 (SQLAlchemy's own form)
        *FunctionElement._traverse_internals,
        ("names", InternalTraversal.dp_string_list),
    ]

    def __init__(self, fields: dict[str, ColumnElement[Any]]) -> None:
        for name in fields:
            if not FIELD_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a field name this SQL may spell out")
        self.names = list(fields)
        super().__init__(*fields.values())


class JsonBool(FunctionElement[bool]):
    """A boolean column as JSON's true or false (SQLite keeps a boolean as 0 or 1)."""

    inherit_cache = True
    name = "json_bool"


def _fields(element: JsonObject, compiler: SQLCompiler, **kw: Any) -> list[tuple[str, str, bool]]:
    """(name, the value's SQL, whether the value is a JsonObject) for each field."""
    return [
        (name, compiler.process(value, **kw), isinstance(value, JsonObject))
        for name, value in zip(element.names, element.clauses, strict=True)
    ]


@compiles(JsonObject, "postgresql")
def _json_object_postgresql(element: JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    # json_build_object writes `{"a" : 1, "b" : 2}`; each value through to_json (a nested
    # object is JSON already), joined here, is the compact text SQLite's json_object and
    # pydantic write.
    values = [
        f"""'"{name}":' || """
        + (value if nested else f"COALESCE(CAST(to_json({value}) AS TEXT), 'null')")
        for name, value, nested in _fields(element, compiler, **kw)
    ]
    return "('{' || " + " || ',' || ".join(values) + " || '}')"


@compiles(JsonObject, "sqlite")
def _json_object_sqlite(element: JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    # A nested json_object() or json() is embedded as JSON, not as a string.
    fields = _fields(element, compiler, **kw)
    return "json_object(" + ", ".join(f"'{name}', {value}" for name, value, _ in fields) + ")"


@compiles(JsonBool, "postgresql")
def _json_bool_postgresql(element: JsonBool, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # to_json writes true or false


@compiles(JsonBool, "sqlite")
def _json_bool_sqlite(element: JsonBool, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"json(CASE WHEN {value} IS NULL THEN 'null' WHEN {value} THEN 'true' ELSE 'false' END)"


class CommaJoined(FunctionElement[str]):
    """The texts of a column joined by commas: string_agg / group_concat. SQLAlchemy's
    aggregate_strings binds its separator to render it into the SQL at every execution
    (a regular expression over the statement's text, ~25 us); here it is in the SQL."""

    type = Text()
    inherit_cache = True
    name = "comma_joined"


@compiles(CommaJoined, "postgresql")
def _comma_joined_postgresql(element: CommaJoined, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


@compiles(CommaJoined, "sqlite")
def _comma_joined_sqlite(element: CommaJoined, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


def joined(page: Subquery) -> ColumnElement[str]:
    """A page's JSON objects joined by commas, in the page's order: the aggregate is the
    outer query's only step, over a sorted subquery. PostgreSQL documents this for its
    order-sensitive aggregates ("supplying the input values from a sorted subquery will
    usually work ... [it] can fail if the outer query level contains additional processing,
    such as a join"); SQLite does not flatten a subquery with ORDER BY into an aggregate, so
    it is read in its own order. An ORDER BY inside the aggregate would sort the page again
    (2 ms for 5,000 groups). Tests compare every inline analytics page with the same page
    streamed, and licenseinfo's records with the ledger's, newest first."""
    return CommaJoined(page.c[0])
