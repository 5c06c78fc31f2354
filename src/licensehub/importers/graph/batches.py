"""Long id lists cut into bounded statements, and the one versioned write every table shares."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Connection, update

CHUNK = 500  # ids per IN (...) list
T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def close(connection: Connection, table: Any, ids: Sequence[int], now: datetime) -> None:
    """End the current versions with these ids."""
    for chunk in batched(ids, CHUNK):
        connection.execute(update(table).where(table.c.id.in_(chunk)).values(valid_to=now))
