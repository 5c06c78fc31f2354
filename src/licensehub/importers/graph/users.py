"""A users export written in batches: users upserted by object id, assignments versioned.

The users check() spooled are applied a batch at a time against the tenant's current state
(current_state.py). New rows are bulk-loaded (ledger/bulk.py) with their ids taken first, so
that an assignment names its user, and a disabled plan its assignment, by id."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Connection, bindparam, select, update

from licensehub.importers.base import Counts, Progress
from licensehub.importers.graph.batches import CHUNK, batched, close
from licensehub.importers.graph.catalog_additions import links_of
from licensehub.importers.graph.check import Checked
from licensehub.importers.graph.current_state import (
    Held,
    KnownUser,
    load_assignments,
    load_users,
)
from licensehub.importers.graph.spool import SpooledUser
from licensehub.ledger.bulk import RowIds, insert_rows
from licensehub.ledger.statistics import TableGrowth
from licensehub.ledger.tables import assignment_disabled_plans, license_assignments, users

NewAssignment = tuple[int, datetime | None]  # disabled plans' number, assigned_at
USER_COLUMNS = ("id", "object_id", "user_principal_name", "display_name", "account_enabled")
ASSIGNMENT_COLUMNS = ("id", "user_id", "sku_id", "assigned_at")


def replace_users(
    connection: Connection, tenant: int, checked: Checked, now: datetime, progress: Progress
) -> Counts:
    spool = checked.users
    plan_numbers = spool.plans.numbers
    links: dict[int, set[int]] = {}  # in the spool's numbers: plans no user names are left out
    for sku_id, plan_id in links_of(connection, checked.held_skus):
        if (plan := plan_numbers.get(plan_id)) is not None:
            links.setdefault(spool.skus.numbers[sku_id], set()).add(plan)
    sync = UserSync(
        connection,
        tenant,
        now,
        users=load_users(connection, tenant),
        held=load_assignments(connection, tenant, spool.skus.number, spool.plan_sets.number),
        sku_ids=spool.skus.values,
        plan_sets=spool.plan_sets.values,
        links={sku: frozenset(plans) for sku, plans in links.items()},
        user_ids=RowIds(connection, users),
        assignment_ids=RowIds(connection, license_assignments),
    )
    for batch in checked.users.batches(progress):
        sync.sync(batch)
    sync.finish()
    return sync.counts


@dataclass
class UserSync:
    """The tenant's current users and assignments, brought batch by batch to what the export
    says. Whatever is left in `users` and `held` at the end is gone from the export."""

    connection: Connection
    tenant: int
    now: datetime
    users: dict[int, KnownUser]  # by object id's int
    held: dict[tuple[int, int], Held]  # (user row id, SKU number) -> current assignment
    sku_ids: list[uuid.UUID]  # the SKUs the spool numbered
    plan_sets: list[frozenset[uuid.UUID]]  # the disabled-plan sets it numbered
    links: dict[int, frozenset[int]]  # SKU -> its plans, numbered, for assigned_at
    user_ids: RowIds
    assignment_ids: RowIds
    counts: Counts = field(default_factory=Counts)
    growth: TableGrowth = field(init=False)  # fresh statistics once `users` or assignments grow
    owned: dict[tuple[int, ...], dict[int, frozenset[int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.growth = TableGrowth(self.connection)

    def sync(self, batch: list[SpooledUser]) -> None:
        new, changed, row_ids = [], [], {}
        for user in batch:
            known = self.users.pop(user.object_id, None)
            if known is None:
                new.append(user)
                continue
            row_ids[user.object_id] = known.row_id
            said = (user.upn, user.display_name, user.enabled)
            if known.deleted or (known.upn, known.display_name, known.enabled) != said:
                changed.append((known.row_id, user))
        self.insert_users(new, row_ids)
        self.update_users(changed)
        self.sync_assignments(batch, row_ids)

    def insert_users(self, new: list[SpooledUser], row_ids: dict[int, int]) -> None:
        """Insert the new users, and give their row ids to `row_ids`."""
        if not new:
            return
        ids = self.user_ids.take(len(new))
        rows = [
            (row_id, f"{u.object_id:032x}", u.upn, u.display_name, u.enabled)
            for row_id, u in zip(ids, new, strict=True)
        ]
        same = {"tenant_id": self.tenant, "created_at": self.now}
        insert_rows(
            self.connection,
            users,
            USER_COLUMNS,
            rows,
            same,
            repeating=("account_enabled",),
            hex_uuids=("object_id",),
        )
        row_ids.update(zip((u.object_id for u in new), ids, strict=True))
        self.counts.created += len(rows)
        self.growth.grew(users, len(rows))

    def update_users(self, changed: list[tuple[int, SpooledUser]]) -> None:
        if not changed:
            return
        statement = (
            update(users)
            .where(users.c.id == bindparam("row_id"))
            .values(
                user_principal_name=bindparam("upn"),
                display_name=bindparam("name"),
                account_enabled=bindparam("enabled"),
                deleted_at=None,
            )
        )
        rows = [
            {"row_id": row_id, "upn": u.upn, "name": u.display_name, "enabled": u.enabled}
            for row_id, u in changed
        ]
        self.connection.execute(statement, rows)
        self.counts.updated += len(rows)

    def sync_assignments(self, batch: list[SpooledUser], row_ids: dict[int, int]) -> None:
        new: dict[tuple[int, int], NewAssignment] = {}  # (user row id, SKU number) ->
        replaced: dict[tuple[int, int], int] = {}  # -> the version it replaces
        held = self.held
        for user in batch:
            row_id = row_ids[user.object_id]
            owned = self.owned_plans(tuple(sku for sku, _ in user.licenses))
            for sku, off in user.licenses:
                found = held.pop((row_id, sku), None)
                if found is not None and found.disabled == off:
                    continue
                if found is not None:
                    replaced[(row_id, sku)] = found.assignment_id
                new[(row_id, sku)] = off, assigned_at(user, owned[sku])
        self.counts.updated += len(replaced)
        self.counts.created += len(new) - len(replaced)
        carried = self.assigned_dates(replaced.values())
        for key, previous in replaced.items():
            new[key] = new[key][0], carried[previous] or new[key][1]
        close(self.connection, license_assignments, list(replaced.values()), self.now)
        self.insert_assignments(new)

    def owned_plans(self, skus: tuple[int, ...]) -> dict[int, frozenset[int]]:
        """For a user holding these SKUs, the plans each links to and none of the others do:
        the plans whose dates tell when that SKU was assigned. Users share a few such sets."""
        found = self.owned.get(skus)
        if found is None:
            found = self.owned[skus] = {
                sku: self.links.get(sku, frozenset()).difference(
                    *(self.links.get(other, ()) for other in skus if other != sku)
                )
                for sku in skus
            }
        return found

    def assigned_dates(self, ids: Iterable[int]) -> dict[int, datetime | None]:
        """When the versions being replaced say their licenses were first assigned."""
        la, dates = license_assignments.c, {}
        for chunk in batched(ids, CHUNK):
            query = select(la.id, la.assigned_at).where(la.id.in_(chunk))
            dates.update({row.id: row.assigned_at for row in self.connection.execute(query)})
        return dates

    def insert_assignments(self, new: dict[tuple[int, int], NewAssignment]) -> None:
        if not new:
            return
        ids, sku_ids, plan_sets = self.assignment_ids.take(len(new)), self.sku_ids, self.plan_sets
        rows = [
            (assignment_id, user_id, sku_ids[sku], assigned_at)
            for assignment_id, ((user_id, sku), (_, assigned_at)) in zip(
                ids, new.items(), strict=True
            )
        ]
        same = {"tenant_id": self.tenant, "valid_from": self.now}
        insert_rows(
            self.connection,
            license_assignments,
            ASSIGNMENT_COLUMNS,
            rows,
            same,
            repeating=("sku_id", "assigned_at"),
        )
        self.growth.grew(license_assignments, len(rows))
        disabled = [
            (assignment_id, plan_id)
            for assignment_id, (off, _) in zip(ids, new.values(), strict=True)
            for plan_id in plan_sets[off]
        ]
        if disabled:
            columns = ("assignment_id", "service_plan_id")
            insert_rows(
                self.connection, assignment_disabled_plans, columns, disabled, repeating=columns[1:]
            )

    def finish(self) -> None:
        """Users the export no longer lists are deleted; assignments it no longer lists close."""
        gone = [known.row_id for known in self.users.values() if not known.deleted]
        for chunk in batched(gone, CHUNK):
            self.connection.execute(
                update(users).where(users.c.id.in_(chunk)).values(deleted_at=self.now)
            )
        closed = [found.assignment_id for found in self.held.values()]
        close(self.connection, license_assignments, closed, self.now)
        self.counts.removed += len(gone) + len(closed)


def assigned_at(user: SpooledUser, plans: frozenset[int]) -> datetime | None:
    """The earliest date among the user's assigned plans that are `plans`."""
    dates = user.plan_dates
    held = plans.intersection(dates)  # both sides in C: a user holds some dozens of plans
    return utc_datetime(min(map(dates.__getitem__, held))) if held else None


@lru_cache(maxsize=4096)
def utc_datetime(timestamp: float) -> datetime:
    """Licenses are assigned in bulk: a few dates, each made once."""
    return datetime.fromtimestamp(timestamp, UTC)
