"""Veeam Backup for Microsoft 365 exports of one organization (``--organization`` GUID): the
``GET /v6/License`` response (RESTLicense) and ``GET /v6/LicensedUsers`` pages, any number, in
any order, told apart by content (a ``results`` array: users; ``licenseID`` or ``totalNumber``:
the license).

- The organization must be in the ledger and in the caller's scope; one that is not is refused
  in the same words as one that does not exist.
- The license sets the organization's: ``type`` (Subscription or Rental; others are refused),
  ``totalNumber`` the limit, ``expirationDate``. A Rental license's period is the calendar month
  (UTC) of the import, as Veeam's new user status lasts until the first day of the following
  month: period_started_at is that month's first day, trial_expires_at the next month's.
- Licensed users replace the organization's protected users (those no longer listed are
  removed). ``lastBackupDate`` is the last backup (none when ``isBackedUp`` is false); a known
  user keeps its first backup time, a new one starts at its lastBackupDate. A user named by the
  userPrincipalName of one of the tenant's users (case-insensitively) is linked to that user,
  else keeps its link. A row's ``organizationId``, when given, must be the organization
  imported; a user id may appear once.
- Counts: read = users + license files; created / updated / removed = protected users, plus one
  update when the license changed. The same files again change nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import ijson
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, Row, delete, func, insert, select, update

from licensehub.importers.base import (
    Counts,
    ImportRefused,
    ImportRequest,
    InvalidImport,
    Progress,
    SourceFile,
)
from licensehub.importers.reading import json_items
from licensehub.ledger.tables import backup_organizations, backup_protected_users, users
from licensehub.ledger.tables.backup import LICENSE_TYPES
from licensehub.ledger.writes import update_rows
from licensehub.veeam.schemas import ExportedLicensedUser, RESTLicense

KIND = "veeam"
LICENSE_FILE_LIMIT = 1 << 20
CHUNK = 500
USER_VALUES = ("name", "email", "first_backup_time", "last_backup_time", "user_id")


@dataclass
class Checked:
    organization: uuid.UUID
    license: dict[str, Any] | None = None
    users: dict[uuid.UUID, dict[str, Any]] | None = None  # None: no licensed-users file
    read: int = 0


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], item: Any, source: SourceFile, path: str) -> M:
    """The item as the model reads it, strictly as JSON; else where and what is wrong."""
    if not isinstance(item, dict):
        raise InvalidImport(source.name, path, "expected a JSON object")
    try:
        return model.model_validate_json(json.dumps(item), strict=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        member = "".join(f".{part}" for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        found = f", found {error['input']!r}" if member else ""  # else the item itself
        raise InvalidImport(source.name, path + member, message + found) from None


def utc(moment: datetime | None) -> datetime | None:
    """Veeam's times are UTC, with or without an offset written."""
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def file_kind(source: SourceFile) -> str:
    """users or license, by the first telling key of the top-level object."""
    with source.path.open("rb") as raw:
        if raw.read(3) != b"\xef\xbb\xbf":
            raw.seek(0)
        try:
            for prefix, event, value in ijson.parse(raw):
                if prefix == "" and event == "start_array":
                    break
                if prefix == "" and event == "map_key":
                    if value == "results":
                        return "users"
                    if value in ("licenseID", "totalNumber"):
                        return "license"
        except ijson.JSONError as exc:
            raise InvalidImport(source.name, "$", f"not valid JSON ({exc})") from None
    raise InvalidImport(
        source.name, "$", "neither a GET /v6/License response nor a GET /v6/LicensedUsers page"
    )


def read_license(source: SourceFile, progress: Progress) -> dict[str, Any]:
    if source.size > LICENSE_FILE_LIMIT:
        raise InvalidImport(source.name, "$", "a license response is one small JSON object")
    progress.advance(source.size)
    try:
        item = json.loads(source.path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidImport(source.name, "$", f"not valid JSON ({exc})") from None
    license = parse(RESTLicense, item, source, "$")
    if license.type not in LICENSE_TYPES:
        message = f"a {license.type} license is not one licensehub tracks (Subscription or Rental)"
        raise InvalidImport(source.name, "$.type", message)
    return {
        "license_type": license.type,
        "licensed_users_limit": license.totalNumber,
        "license_expires_at": utc(license.expirationDate),
    }


def read_user(
    item: Any, source: SourceFile, path: str, organization: uuid.UUID
) -> tuple[uuid.UUID, dict[str, Any]]:
    user = parse(ExportedLicensedUser, item, source, path)
    if user.organizationId not in (None, organization):
        message = f"a user of organization {user.organizationId}, not of {organization}"
        raise InvalidImport(source.name, f"{path}.organizationId", message)
    return user.id, {
        "name": user.name,
        "email": user.name if "@" in user.name else None,
        "last_backup_time": utc(user.lastBackupDate) if user.isBackedUp else None,
    }


class VeeamImporter:
    kind = KIND

    def check(self, request: ImportRequest, progress: Progress) -> Checked:
        first = request.files[0].name
        raw = request.options.get("organization")
        if not raw:
            raise InvalidImport(first, None, "give the organization: --organization GUID")
        try:
            checked = Checked(uuid.UUID(str(raw)))
        except ValueError:
            raise InvalidImport(first, None, f"--organization {raw!r} is not a GUID") from None
        for source in request.files:
            if file_kind(source) == "license":
                if checked.license is not None:
                    raise InvalidImport(source.name, "$", "a second license file")
                checked.license = read_license(source, progress)
                checked.read += 1
                continue
            checked.users = {} if checked.users is None else checked.users
            for path, item in json_items(source, progress, "results.item"):
                user_id, row = read_user(item, source, path, checked.organization)
                if user_id in checked.users:
                    raise InvalidImport(source.name, f"{path}.id", f"{user_id} appears twice")
                checked.users[user_id] = row
                checked.read += 1
        return checked

    def apply(
        self, connection: Connection, request: ImportRequest, checked: Checked, progress: Progress
    ) -> Counts:
        organization = connection.execute(
            select(backup_organizations).where(
                backup_organizations.c.organization_id == checked.organization,
                request.scope.restrict(backup_organizations.c.tenant_id),
            )
        ).first()
        if organization is None:  # said exactly as for an organization that does not exist
            raise ImportRefused(f"no backup organization {checked.organization}")
        counts = Counts(read=checked.read, tenant_id=organization.tenant_id)
        if checked.license is not None:
            values = license_values(checked.license, request.now)
            if any(getattr(organization, key) != value for key, value in values.items()):
                connection.execute(
                    update(backup_organizations)
                    .where(backup_organizations.c.id == organization.id)
                    .values(**values)
                )
                counts.updated += 1
        if checked.users is not None:
            self.write_users(connection, organization, checked.users, counts)
        return counts

    def write_users(
        self,
        connection: Connection,
        organization: Row[Any],
        checked: dict[uuid.UUID, dict[str, Any]],
        counts: Counts,
    ) -> None:
        table = backup_protected_users
        rows = connection.execute(select(table).where(table.c.organization_id == organization.id))
        existing = {row.backup_user_id: row for row in rows}
        linked = ledger_users(connection, organization.tenant_id, checked.values())
        new, changed = [], []
        for user_id, row in checked.items():
            old = existing.get(user_id)
            link = linked.get(row["name"].lower(), old.user_id if old is not None else None)
            values = row | {"user_id": link}
            if old is None:
                values |= {"backup_user_id": user_id, "first_backup_time": row["last_backup_time"]}
                new.append({"organization_id": organization.id, **values})
                continue
            values["first_backup_time"] = old.first_backup_time or row["last_backup_time"]
            if any(getattr(old, key) != values[key] for key in USER_VALUES):
                changed.append({"id": old.id, **{k: values[k] for k in USER_VALUES}})
        if new:
            connection.execute(insert(table), new)
        update_rows(connection, table, USER_VALUES, changed)
        gone = [row.id for user_id, row in existing.items() if user_id not in checked]
        for start in range(0, len(gone), CHUNK):
            connection.execute(delete(table).where(table.c.id.in_(gone[start : start + CHUNK])))
        counts.created += len(new)
        counts.updated += len(changed)
        counts.removed += len(gone)


def license_values(license: dict[str, Any], now: datetime) -> dict[str, Any]:
    values = dict(license, period_started_at=None, trial_expires_at=None)
    if license["license_type"] == "Rental":
        month = datetime(now.year, now.month, 1, tzinfo=UTC)
        following = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
        values |= {"period_started_at": month, "trial_expires_at": following}
    return values


def ledger_users(
    connection: Connection, tenant_id: int, rows: Iterable[dict[str, Any]]
) -> dict[str, int]:
    """The tenant's current users whose userPrincipalName names a row, by lowered name."""
    lowered = sorted({row["name"].lower() for row in rows if "@" in row["name"]})
    found: dict[str, int] = {}
    for start in range(0, len(lowered), CHUNK):
        for upn, user_id in connection.execute(
            select(func.lower(users.c.user_principal_name), users.c.id)
            .where(
                users.c.tenant_id == tenant_id,
                users.c.deleted_at.is_(None),
                func.lower(users.c.user_principal_name).in_(lowered[start : start + CHUNK]),
            )
            .order_by(users.c.id)
        ):
            found.setdefault(upn, user_id)
    return found


IMPORTER = VeeamImporter()
