"""Veeam Backup for Microsoft 365's licensing rules, as licensehub applies them to the ledger.

- **In use.** A protected user is in use while it has been backed up within the last 31 days:
  ``last_backup_time > now - 31 days``. A user last backed up exactly 31 days ago is no longer
  in use (Veeam revokes the license of a user that has not been processed for 31 days); a user
  never backed up never was. Only users in use are licensed users: GET /v6/LicensedUsers lists
  exactly them, and LicensingInformation counts exactly them.
- **New (Rental licenses only).** Under a Rental license, a user in use whose first backup falls
  in the current trial or billing period (``first_backup_time >= period_started_at``) is New:
  it consumes no license until the period ends (Veeam: the new user status lasts until the
  first day of the following month), takes no place under the limit, and is counted in
  newUsers, not in licensedUsers. New takes precedence over the limit states below. Under a
  Subscription license, or a Rental one without a recorded period, nobody is New and newUsers
  is 0.
- **The limit, first in first out.** Every other user in use consumes a license. They queue by
  when they took it, their first backup time (the last one when the first is unknown), ties
  broken by Veeam's user id. The first ``licensed_users_limit`` of the queue are Licensed.
- **Grace.** A user past the limit is TemporarilyAssigned for 30 days from when it took its
  license (``first_backup_time > now - 30 days``), then Exceeded. The ledger does not record
  when an organization went over its limit, so the grace runs per user from its own first
  backup: the rule needs no state, and a user that a freed license moves within the limit
  (someone ahead of it stopped being backed up) becomes Licensed again at once.
- **Counts.** licensedUsers counts every user that consumes a license, Licensed,
  TemporarilyAssigned and Exceeded alike ("the total number of the licensed users and users
  that exceed the license limit", as Veeam's page says); newUsers counts the New ones. The two
  add up to the users in use.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

WINDOW = timedelta(days=31)
GRACE = timedelta(days=30)

LicenseState = Literal["Licensed", "New", "TemporarilyAssigned", "Exceeded"]
LICENSE_STATES: tuple[LicenseState, ...] = ("Licensed", "New", "TemporarilyAssigned", "Exceeded")


@dataclass(frozen=True)
class License:
    type: str  # Subscription or Rental
    limit: int
    period_started_at: datetime | None = None  # Rental: the current trial or billing period


@dataclass(frozen=True)
class ProtectedUser:
    id: uuid.UUID  # Veeam's id for the user
    first_backup_time: datetime | None
    last_backup_time: datetime | None

    @property
    def license_taken_at(self) -> datetime | None:
        """When the user took its license: its first backup, else its last one (the SQL's
        COALESCE). None for a user never backed up: it never took one."""
        if self.first_backup_time is not None:
            return self.first_backup_time
        return self.last_backup_time


@dataclass(frozen=True)
class LicensingInformation:
    licensed_users: int
    new_users: int


def window_start(now: datetime) -> datetime:
    """Users last backed up after this moment (strictly) are in use."""
    return now - WINDOW


def in_use(user: ProtectedUser, now: datetime) -> bool:
    return user.last_backup_time is not None and user.last_backup_time > window_start(now)


def may_be_new(license: License) -> bool:
    """Only a Rental license with a recorded period has New users."""
    return license.type == "Rental" and license.period_started_at is not None


def is_new(taken_at: datetime, license: License) -> bool:
    """Whether a license taken then is New: taken in the current period of a Rental one."""
    period_start = license.period_started_at
    if period_start is None or not may_be_new(license):
        return False
    return taken_at >= period_start


def license_states(
    users: Iterable[ProtectedUser], license: License, now: datetime
) -> dict[uuid.UUID, LicenseState]:
    """The state of every user in use, by Veeam's user id; users not in use have none."""
    states: dict[uuid.UUID, LicenseState] = {}
    queue: list[tuple[datetime, uuid.UUID]] = []  # (license taken at, user): first in, first
    for user in users:
        taken_at = user.license_taken_at
        if taken_at is None or not in_use(user, now):  # None: never backed up, never in use
            continue
        if is_new(taken_at, license):
            states[user.id] = "New"
        else:
            queue.append((taken_at, user.id))
    queue.sort()
    grace_start = now - GRACE
    for position, (taken_at, user_id) in enumerate(queue):
        if position < license.limit:
            states[user_id] = "Licensed"
        elif taken_at > grace_start:
            states[user_id] = "TemporarilyAssigned"
        else:
            states[user_id] = "Exceeded"
    return states


def licensing_information(
    users: Iterable[ProtectedUser], license: License, now: datetime
) -> LicensingInformation:
    states = list(license_states(users, license, now).values())
    new = states.count("New")
    return LicensingInformation(licensed_users=len(states) - new, new_users=new)
