"""Constants written into a statement's SQL rather than bound. A bound value is processed again
on every execution, and a lookup's statements run thousands of times a second with the same
constants (bench/HISTORY.md). Only the code's own constants belong here, never a caller's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, String, literal_column


def constant(value: str | int) -> ColumnElement[Any]:
    """`value` as an SQL literal: a string quoted (no quote of its own allowed), an int."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"a str or an int, not {value!r}")
    if isinstance(value, int):
        return literal_column(str(value), Integer)
    if "'" in value:
        raise ValueError(f"a constant without quotes, not {value!r}")
    return literal_column(f"'{value}'", String)
