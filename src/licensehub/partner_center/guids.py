"""GUIDs on their way from the ledger to a Partner Center body, without the detour SQLAlchemy
takes by default on SQLite: parsing 32 hex digits into a UUID only for the body to write it
out again, for every service plan of every answer (bench/HISTORY.md)."""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Label, String, type_coerce


def unparsed_guid(column: Column[Any]) -> Label[Any]:
    """A GUID column as the driver reads it (32 hex digits on SQLite, a UUID on PostgreSQL),
    for guid_text to format."""
    return type_coerce(column, String).label(column.name)


@lru_cache(maxsize=8192)
def guid_text(value: uuid.UUID | str) -> str:
    """A GUID as Partner Center writes it, from what the driver reads: 32 hex digits on
    SQLite, a UUID on PostgreSQL. The catalog's few thousand plan and SKU ids recur in every
    answer, and parsing and formatting one costs more than the rest of its plan's body."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))
