"""The Veeam endpoints' reads of the ledger, each starting from the caller's tenant scope."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    func,
    select,
)

from licensehub.auth.tenant_scope import TenantScope, one_tenant_restriction
from licensehub.kit.sql_constants import constant
from licensehub.ledger.tables import backup_organizations, backup_protected_users
from licensehub.veeam import rules

orgs = backup_organizations
protected = backup_protected_users
CHUNK = 500


def visible(scope: TenantScope) -> Select[Any]:
    """The organizations the principal may see: where every query here starts."""
    return select(orgs).where(scope.restrict(orgs.c.tenant_id))


ORGANIZATION_ID: BindParameter[Any] = bindparam("organization_id")


# A lookup's statements are built once, with the values as bound parameters and the scope as
# one_tenant_restriction()'s: one statement per kind of principal serves every request
# (bench/HISTORY.md).
@cache
def organization_statement(kind: str) -> Select[Any]:
    return select(orgs).where(
        one_tenant_restriction(kind, orgs.c.tenant_id), orgs.c.organization_id == ORGANIZATION_ID
    )


def organization(connection: Connection, scope: TenantScope, guid: uuid.UUID) -> Row[Any] | None:
    statement = organization_statement(scope.principal.kind)
    return connection.execute(statement, scope.values(organization_id=guid)).first()


def all_organizations(connection: Connection, scope: TenantScope) -> list[Row[Any]]:
    return list(connection.execute(visible(scope).order_by(orgs.c.name, orgs.c.id)))


def license_of(row: Row[Any]) -> rules.License:
    return rules.License(row.license_type, row.licensed_users_limit, row.period_started_at)


def users_in_use(
    connection: Connection, organization_ids: Iterable[int], now: datetime
) -> dict[int, list[rules.ProtectedUser]]:
    """Each organization's users in use, as the rules need them."""
    found: dict[int, list[rules.ProtectedUser]] = {}
    ids = list(organization_ids)
    for start in range(0, len(ids), CHUNK):
        for row in connection.execute(
            select(
                protected.c.organization_id,
                protected.c.backup_user_id,
                protected.c.first_backup_time,
                protected.c.last_backup_time,
            ).where(
                protected.c.organization_id.in_(ids[start : start + CHUNK]),
                protected.c.last_backup_time > rules.window_start(now),
            )
        ):
            found.setdefault(row.organization_id, []).append(
                rules.ProtectedUser(row.backup_user_id, row.first_backup_time, row.last_backup_time)
            )
    return found


@cache
def licensing_statement(kind: str) -> Select[int, int]:
    """An organization's users in use and how many of them are New, found and counted in one
    statement: no row when the organization does not exist or the principal may not see it.

    rules.licensing_information, counted by the database: only the counts are asked for, and
    an organization's users in use are many rows to read for two numbers."""
    taken_at = func.coalesce(protected.c.first_backup_time, protected.c.last_backup_time)
    # rules.may_be_new and rules.is_new: a Rental license without a period compares with NULL,
    # which counts nobody as New.
    new = and_(orgs.c.license_type == constant("Rental"), taken_at >= orgs.c.period_started_at)
    in_use = and_(
        protected.c.organization_id == orgs.c.id,
        protected.c.last_backup_time > bindparam("window_start"),
    )
    return (
        select(func.count(protected.c.id), func.count(protected.c.id).filter(new))
        .select_from(orgs.outerjoin(protected, in_use))
        .where(
            one_tenant_restriction(kind, orgs.c.tenant_id),
            orgs.c.organization_id == ORGANIZATION_ID,
        )
        .group_by(orgs.c.id)
    )


def licensing_information(
    connection: Connection, scope: TenantScope, guid: uuid.UUID, now: datetime
) -> rules.LicensingInformation | None:
    """The organization's licensing information, or None when the principal may not see it."""
    statement = licensing_statement(scope.principal.kind)
    values = scope.values(organization_id=guid, window_start=rules.window_start(now))
    counts = connection.execute(statement, values).first()
    if counts is None:
        return None
    in_use, new_users = counts
    return rules.LicensingInformation(licensed_users=in_use - new_users, new_users=new_users)


@dataclass(frozen=True)
class LicensedUsersQuery:
    now: datetime
    organization_id: int | None  # the ledger row of ?organizationId, when given
    name: str | None
    offset: int
    limit: int


@dataclass(frozen=True)
class LicensedUser:
    row: Row[Any]  # the protected user with its organization's guid and name
    state: rules.LicenseState


def conditions(scope: TenantScope, query: LicensedUsersQuery) -> list[ColumnElement[bool]]:
    where = [
        scope.restrict(orgs.c.tenant_id),
        protected.c.last_backup_time > rules.window_start(query.now),
    ]
    if query.organization_id is not None:
        where.append(orgs.c.id == query.organization_id)
    if query.name:
        where.append(func.lower(protected.c.name) == query.name.lower())
    return where


def licensed_users(
    connection: Connection, scope: TenantScope, query: LicensedUsersQuery
) -> tuple[int, list[LicensedUser]]:
    """The total and one page of the users in use the principal may see, in a stable order:
    by organization name, then user name, ties broken by ids."""
    joined = protected.join(orgs, orgs.c.id == protected.c.organization_id)
    where = conditions(scope, query)
    total = connection.execute(select(func.count()).select_from(joined).where(*where)).scalar()
    rows: list[Row[Any]] = list(
        connection.execute(
            select(
                protected.c.organization_id.label("organization_row"),
                protected.c.backup_user_id,
                protected.c.name,
                protected.c.last_backup_time,
                orgs.c.organization_id,
                orgs.c.name.label("organization_name"),
            )
            .select_from(joined)
            .where(*where)
            .order_by(orgs.c.name, orgs.c.id, protected.c.name, protected.c.id)
            .offset(query.offset)
            .limit(query.limit)
        )
    )
    org_ids = {row.organization_row for row in rows}
    licenses = {
        row.id: license_of(row)
        for row in connection.execute(visible(scope).where(orgs.c.id.in_(org_ids)))
    }
    states: dict[tuple[int, uuid.UUID], rules.LicenseState] = {}
    for org_id, users in users_in_use(connection, org_ids, query.now).items():
        for user_id, state in rules.license_states(users, licenses[org_id], query.now).items():
            states[org_id, user_id] = state
    page = [LicensedUser(row, states[row.organization_row, row.backup_user_id]) for row in rows]
    return int(total or 0), page
