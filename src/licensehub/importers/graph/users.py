"""A users export written in batches: users upserted by object id, assignments versioned.

The users files are streamed a second time (check() kept only their names) and applied
BATCH users at a time against the tenant's current state (current_state.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, literal, select, update

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
from licensehub.importers.graph.formats import GraphUser, stream_users
from licensehub.ledger.tables import assignment_disabled_plans, license_assignments, users

BATCH = 2000  # users per round of executemany
ANALYZE_AFTER = 1000  # rows added to a table before PostgreSQL gets fresh statistics

NewAssignment = tuple[frozenset[uuid.UUID], datetime | None]  # disabled plans, assigned_at


def replace_users(
    connection: Connection, tenant: int, checked: Checked, now: datetime, progress: Progress
) -> Counts:
    links: dict[uuid.UUID, set[uuid.UUID]] = {}
    for sku_id, plan_id in links_of(connection, checked.held_skus):
        links.setdefault(sku_id, set()).add(plan_id)
    sync = UserSync(
        connection,
        tenant,
        now,
        users=load_users(connection, tenant),
        held=load_assignments(connection, tenant),
        links={sku: frozenset(plans) for sku, plans in links.items()},
    )
    for batch in batched(stream_users(checked.user_files, progress), BATCH):
        sync.sync(batch)
    sync.finish()
    return sync.counts


@dataclass
class UserSync:
    """The tenant's current users and assignments, brought batch by batch to what the export
    says. Whatever is left in `users` and `held` at the end is gone from the export.

    New rows are written with plain executemany (no RETURNING, which PostgreSQL drivers
    cannot batch cheaply): assignments find their user, and disabled plans their assignment,
    by INSERT ... SELECT on the (tenant, object id) and (user, SKU) unique keys."""

    connection: Connection
    tenant: int
    now: datetime
    users: dict[uuid.UUID, KnownUser]
    held: dict[tuple[int, uuid.UUID], Held]  # (user row id, SKU) -> current assignment
    links: dict[uuid.UUID, frozenset[uuid.UUID]]  # SKU -> its plans, for assigned_at
    counts: Counts = field(default_factory=Counts)
    added: dict[str, int] = field(default_factory=dict)  # rows inserted, per table
    analyzed: set[str] = field(default_factory=set)

    def sync(self, batch: list[GraphUser]) -> None:
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
        self.insert_users(new)
        self.update_users(changed)
        self.sync_assignments(batch, row_ids)

    def insert_users(self, new: list[GraphUser]) -> None:
        if not new:
            return
        rows = [
            {
                "tenant_id": self.tenant,
                "object_id": u.object_id,
                "user_principal_name": u.upn,
                "display_name": u.display_name,
                "account_enabled": u.enabled,
                "created_at": self.now,
            }
            for u in new
        ]
        self.connection.execute(insert(users), rows)
        self.counts.created += len(rows)
        self.grew(users, len(rows))

    def grew(self, table: Table, rows: int) -> None:
        """PostgreSQL plans a prepared statement, and each foreign-key check, once per session.
        Planned while `users` or `license_assignments` looked small, every lookup in them
        scans the whole table: quadratic on a first large import. Fresh statistics, once this
        import has added many rows to a table, make those plans use the indexes."""
        self.added[table.name] = self.added.get(table.name, 0) + rows
        if self.added[table.name] >= ANALYZE_AFTER and table.name not in self.analyzed:
            self.analyzed.add(table.name)
            if self.connection.dialect.name == "postgresql":
                self.connection.exec_driver_sql(f"ANALYZE {table.name}")

    def update_users(self, changed: list[tuple[int, GraphUser]]) -> None:
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

    def sync_assignments(self, batch: list[GraphUser], row_ids: dict[uuid.UUID, int]) -> None:
        new: dict[tuple[uuid.UUID, uuid.UUID], NewAssignment] = {}  # (object id, SKU) ->
        replaced: dict[tuple[uuid.UUID, uuid.UUID], int] = {}  # -> the version it replaces
        for user in batch:
            row_id = row_ids.get(user.object_id)  # None: a new user, who holds nothing yet
            for sku_id, disabled in user.licenses.items():
                found = None if row_id is None else self.held.pop((row_id, sku_id), None)
                if found is not None and found.disabled == disabled:
                    continue
                if found is not None:
                    replaced[(user.object_id, sku_id)] = found.assignment_id
                new[(user.object_id, sku_id)] = disabled, self.assigned_at(user, sku_id)
        self.counts.updated += len(replaced)
        self.counts.created += len(new) - len(replaced)
        carried = self.assigned_dates(replaced.values())
        for key, previous in replaced.items():
            new[key] = new[key][0], carried[previous] or new[key][1]
        close(self.connection, license_assignments, list(replaced.values()), self.now)
        self.insert_assignments(new)

    def assigned_at(self, user: GraphUser, sku_id: uuid.UUID) -> datetime | None:
        if not user.plan_dates:
            return None
        own = set(self.links.get(sku_id, ()))
        for other in user.licenses:
            if other != sku_id:
                own -= self.links.get(other, frozenset())
        return min((user.plan_dates[p] for p in own if p in user.plan_dates), default=None)

    def assigned_dates(self, ids: Iterable[int]) -> dict[int, datetime | None]:
        """When the versions being replaced say their licenses were first assigned."""
        la, dates = license_assignments.c, {}
        for chunk in batched(ids, CHUNK):
            query = select(la.id, la.assigned_at).where(la.id.in_(chunk))
            dates.update({row.id: row.assigned_at for row in self.connection.execute(query)})
        return dates

    def insert_assignments(self, new: dict[tuple[uuid.UUID, uuid.UUID], NewAssignment]) -> None:
        if not new:
            return
        rows = [
            {"object_id": object_id, "sku_id": sku_id, "assigned_at": assigned_at}
            for (object_id, sku_id), (_, assigned_at) in new.items()
        ]
        self.connection.execute(self.assignment_insert(), rows)
        self.grew(license_assignments, len(rows))
        disabled = [
            {"object_id": object_id, "sku_id": sku_id, "plan_id": plan_id}
            for (object_id, sku_id), (plans, _) in new.items()
            for plan_id in plans
        ]
        if disabled:
            self.connection.execute(self.disabled_plan_insert(), disabled)

    def assignment_insert(self) -> Any:
        la, u = license_assignments.c, users.c
        user_row = select(
            literal(self.tenant, la.tenant_id.type),
            u.id,
            bindparam("sku_id", type_=la.sku_id.type),
            bindparam("assigned_at", type_=la.assigned_at.type),
            literal(self.now, la.valid_from.type),
        ).where(u.tenant_id == self.tenant, u.object_id == bindparam("object_id"))
        columns = ["tenant_id", "user_id", "sku_id", "assigned_at", "valid_from"]
        return insert(license_assignments).from_select(columns, user_row)

    def disabled_plan_insert(self) -> Any:
        la, u = license_assignments.c, users.c
        assignment = (
            select(la.id, bindparam("plan_id", type_=la.sku_id.type))
            .join(users, u.id == la.user_id)
            .where(
                u.tenant_id == self.tenant,
                u.object_id == bindparam("object_id"),
                la.sku_id == bindparam("sku_id"),
                la.valid_to.is_(None),
            )
        )
        columns = ["assignment_id", "service_plan_id"]
        return insert(assignment_disabled_plans).from_select(columns, assignment)

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
