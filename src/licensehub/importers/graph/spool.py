"""The users check() parsed, kept in a temporary file for apply(): parsing and checking a
user costs more than writing it, so it is done once.

A user is spooled as plain values that marshal writes and reads back in C: its object id as
an int, and its SKU and plan ids and disabled-plan sets as small numbers into tables kept in
memory (they repeat from user to user). Rebuilding UUIDs, datetimes or dataclasses for every
user would cost more than parsing the JSON again. Memory stays bounded by one batch and the
catalog's ids."""

from __future__ import annotations

import marshal
import struct
import tempfile
import uuid
import weakref
from collections.abc import Hashable, Iterator
from typing import IO, Any, Generic, NamedTuple, TypeVar

from licensehub.importers.base import Progress
from licensehub.importers.graph.formats import GraphUser

BATCH = 2000  # users per marshalled batch
LENGTH = struct.Struct("<Q")  # a batch's bytes, before it
K = TypeVar("K", bound=Hashable)


class SpooledUser(NamedTuple):
    object_id: int  # the UUID's int
    upn: str
    display_name: str | None
    enabled: bool
    licenses: tuple[tuple[int, int], ...]  # (SKU, disabled plans), numbered
    plan_dates: dict[int, float]  # plan, numbered -> earliest assignedDateTime


class Numbered(Generic[K]):
    """Each distinct value gets the next number, and the number gives the value back."""

    def __init__(self) -> None:
        self.numbers: dict[K, int] = {}
        self.values: list[K] = []

    def number(self, value: K) -> int:
        found = self.numbers.get(value)
        if found is None:
            found = self.numbers[value] = len(self.values)
            self.values.append(value)
        return found


class UserSpool:
    """The parsed users of one import, written by check() and read back by apply()."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (open until apply() ends)
        # Closed by close(), or when the spool is dropped (a check() whose apply never ran).
        self.close = weakref.finalize(self, self.file.close)
        self.skus: Numbered[uuid.UUID] = Numbered()
        self.plans: Numbered[uuid.UUID] = Numbered()
        self.plan_sets: Numbered[frozenset[uuid.UUID]] = Numbered()
        self.pending: list[tuple[object, ...]] = []
        self.read_bytes = 0  # of the files, while the pending users were read

    def numbered(self, user: GraphUser) -> tuple[Any, ...]:
        """The user in the spool's form (SpooledUser's fields), numbered by this spool."""
        sku, plans, plan_set = self.skus.number, self.plans.number, self.plan_sets.number
        return (
            user.object_id.int,
            user.upn,
            user.display_name,
            user.enabled,
            tuple([(sku(sku_id), plan_set(off)) for sku_id, off in user.licenses.items()]),
            {plans(plan): when for plan, when in user.plan_dates.items()},
        )

    def add(self, user: tuple[Any, ...]) -> None:
        """A user in the spool's form, numbered by this spool."""
        self.pending.append(user)
        if len(self.pending) >= BATCH:
            self.flush()

    def counting(self, progress: Progress) -> Progress:
        """`progress`, while the spool counts the bytes of the files read for each batch, to
        advance the same bar by them again as apply() reads the batch back."""
        return CountedProgress(self, progress)

    def flush(self) -> None:
        if self.pending or self.read_bytes:
            # Each batch as one block after its length: marshal.load() on a file reads it
            # object by object, a call to the file for each; loads() on the block does not.
            block = marshal.dumps((self.read_bytes, self.pending))
            self.file.write(LENGTH.pack(len(block)) + block)
            self.pending, self.read_bytes = [], 0

    def batches(self, progress: Progress) -> Iterator[list[SpooledUser]]:
        """The users in the order they were added, a batch at a time."""
        self.flush()
        self.file.seek(0)
        while header := self.file.read(LENGTH.size):
            (length,) = LENGTH.unpack(header)
            read_bytes, spooled = marshal.loads(self.file.read(length))
            yield list(map(SpooledUser._make, spooled))
            progress.advance(read_bytes)


class CountedProgress:
    """A progress bar's advance, also counted by the spool."""

    def __init__(self, spool: UserSpool, progress: Progress) -> None:
        self.spool, self.progress = spool, progress

    def advance(self, nbytes: int) -> None:
        self.spool.read_bytes += nbytes
        self.progress.advance(nbytes)
