"""Slowing down password guessing, one sign-in name at a time.

After a few free failures each further attempt must wait twice as long as the last
(1, 2, 4 ... seconds); after LOCK_AFTER failures the name is locked for LOCKOUT. A success,
or a quiet FORGET_AFTER since the last failure, starts the count again. Counting by the
name tried (known or not) rather than by address keeps one principal's attacker from
locking out anyone else, and answers unknown names exactly like known ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select

from licensehub.ledger.tables import sign_in_failures
from licensehub.ledger.upsert import upsert

FREE_FAILURES = 3
LOCK_AFTER = 10
LOCKOUT = timedelta(minutes=15)
FORGET_AFTER = timedelta(minutes=15)
KEY_LENGTH = 320


@dataclass(frozen=True)
class Throttled(Exception):
    retry_after: int
    locked: bool

    @property
    def message(self) -> str:
        if self.locked:
            return (
                f"Too many failed sign-ins: this account is locked for {self.retry_after} seconds."
            )
        return f"Too many failed sign-ins: wait {self.retry_after} seconds before trying again."


def sign_in_key(kind: str, name: str) -> str:
    return f"{kind}:{name.casefold()}"[:KEY_LENGTH]


def backoff(failures: int) -> timedelta:
    """How long to wait after this many failures: nothing for the first few, then 1, 2, 4..."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return timedelta(seconds=2 ** (failures - FREE_FAILURES - 1))


def _seconds(span: timedelta) -> int:
    return max(1, math.ceil(span.total_seconds()))


def _current(connection: Connection, key: str, now: datetime) -> tuple[int, datetime | None]:
    """Failures still counted for the name, and the lock over it if any."""
    row = connection.execute(select(sign_in_failures).where(sign_in_failures.c.key == key)).first()
    if row is None:
        return 0, None
    if row.locked_until is not None:
        return (row.failures, row.locked_until) if now < row.locked_until else (0, None)
    if now - row.last_failure_at >= FORGET_AFTER:
        return 0, None
    return row.failures, row.last_failure_at + backoff(row.failures)


def check(connection: Connection, key: str, now: datetime) -> None:
    """Raise Throttled when the name may not try yet; say nothing about the password."""
    failures, not_before = _current(connection, key, now)
    if not_before is not None and now < not_before:
        raise Throttled(_seconds(not_before - now), locked=failures >= LOCK_AFTER)


def record_failure(connection: Connection, key: str, now: datetime) -> None:
    failures = _current(connection, key, now)[0] + 1
    locked_until = now + LOCKOUT if failures >= LOCK_AFTER else None
    row = {"key": key, "failures": failures, "last_failure_at": now, "locked_until": locked_until}
    upsert(connection, sign_in_failures, row, key=["key"])


def forget(connection: Connection, key: str) -> None:
    connection.execute(delete(sign_in_failures).where(sign_in_failures.c.key == key))
