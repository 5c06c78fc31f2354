"""Checking a Graph item member by member: a bad value names its file and JSON path."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NoReturn

from licensehub.importers.base import InvalidImport


class Fields:
    """A JSON object whose members are read one by one, each checked for presence and type;
    a bad one names its file and JSON path."""

    __slots__ = ("data", "file", "where")

    def __init__(self, value: Any, file: str, where: str | Member) -> None:
        self.data, self.file, self.where = value, file, where
        if not isinstance(value, dict):
            raise InvalidImport(file, self.path, f"expected an object, found {short(value)}")

    @property
    def path(self) -> str:
        """Its JSON path, worked out only when a message needs it: most items are fine."""
        where = self.where
        if isinstance(where, str):
            return where
        parent, key, index = where
        return f"{parent.path}.{key}" + ("" if index is None else f"[{index}]")

    def fail(self, key: str, message: str) -> NoReturn:
        raise InvalidImport(self.file, f"{self.path}.{key}", message)

    def value(self, key: str) -> Any:
        value = self.data.get(key)
        if value is None:
            raise InvalidImport(self.file, self.path, f"missing required field {key!r}")
        return value

    def text(self, key: str, limit: int) -> str:
        value = self.value(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"expected a non-empty string, found {short(value)}")
        if len(value) > limit:
            self.fail(key, f"longer than {limit} characters")
        if "\x00" in value:  # no store keeps it as such: PostgreSQL refuses it in text
            self.fail(key, "contains a NUL character")
        return value

    def optional_text(self, key: str, limit: int) -> str | None:
        value = self.data.get(key)
        return None if value is None or value == "" else self.text(key, limit)

    def guid(self, key: str, parse: Callable[[str], uuid.UUID] = uuid.UUID) -> uuid.UUID:
        found = as_guid(self.value(key), parse)
        if found is None:
            self.fail(key, f"not a GUID: {short(self.data[key])}")
        return found

    def guids(self, key: str) -> frozenset[uuid.UUID]:
        """An optional array of plan ids, which repeat from user to user."""
        found = set()
        for index, value in enumerate(self.array(key, required=False)):
            guid = as_guid(value, catalog_id)
            if guid is None:
                self.fail(f"{key}[{index}]", f"not a GUID: {short(value)}")
            found.add(guid)
        return frozenset(found)

    def flag(self, key: str) -> bool:
        value = self.value(key)
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, found {short(value)}")
        return value

    def units(self, key: str) -> int:
        value = self.value(key)
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole or value < 0:
            self.fail(key, f"expected a whole number of units >= 0, found {short(value)}")
        return int(value)

    def timestamp(self, key: str) -> float:
        """An ISO 8601 date and time (UTC when it names no offset), as a POSIX timestamp."""
        value = self.value(key)
        try:
            return instant(value)
        except (TypeError, ValueError, OverflowError):  # not one, or not within years 1-9999
            self.fail(key, f"not an ISO 8601 date and time in years 1-9999: {short(value)}")

    def array(self, key: str, required: bool = True) -> list[Any]:
        value = self.value(key) if required else self.data.get(key) or []
        if not isinstance(value, list):
            self.fail(key, f"expected an array, found {short(value)}")
        return value

    def object(self, key: str) -> Fields:
        return Fields(self.value(key), self.file, (self, key, None))

    def objects(self, key: str) -> Iterator[Fields]:
        for index, value in enumerate(self.array(key)):
            yield Fields(value, self.file, (self, key, index))

    def member(self, key: str, index: int) -> Fields:
        """The object at [index] of the array `key`."""
        return Fields(self.array(key, required=False)[index], self.file, (self, key, index))


Member = tuple[Fields, str, int | None]  # the object it is in, its key, its index there


@lru_cache(maxsize=4096)
def catalog_id(value: str) -> uuid.UUID:
    """SKU and plan ids repeat on every user: parse each once, and share the object."""
    return uuid.UUID(value)


@lru_cache(maxsize=4096)
def instant(value: str) -> float:
    """An ISO 8601 date and time as a POSIX timestamp; one that names no offset is UTC.
    Exports repeat the same few dates (licenses are assigned in bulk): each is parsed once.
    OverflowError when its UTC time falls outside years 1-9999, which no store can hold."""
    if not isinstance(value, str):
        raise TypeError(f"not a string: {short(value)}")
    parsed = datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC).timestamp()


# The spelling Graph writes ids in: 8-4-4-4-12 hex digits.
CANONICAL_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def guid_int(value: str) -> int:
    """uuid.UUID(value).int, read straight from the digits when spelled as Graph spells ids:
    half the time of making a UUID, for each of a few hundred thousand users. Any other
    spelling goes to uuid.UUID, which takes or refuses it as before."""
    if CANONICAL_GUID.fullmatch(value):
        return int(value.replace("-", ""), 16)
    return uuid.UUID(value).int


def as_guid(value: Any, parse: Callable[[str], uuid.UUID] = uuid.UUID) -> uuid.UUID | None:
    if isinstance(value, str):
        try:
            return parse(value)
        except ValueError:
            pass
    return None


def short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
