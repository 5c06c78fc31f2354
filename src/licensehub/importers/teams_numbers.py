"""Teams phone number assignments, as `Get-CsPhoneNumberAssignment | ConvertTo-Json` writes
them, for one voice service (`--service` umpCustomerGuid). A newer file replaces the service's
numbers: numbers it no longer lists are removed.

A number assigned to one of the tenant's users (AssignedPstnTargetId is the user's object id)
is linked to that user; other targets are kept by their id with the target type their status
implies. The voice routing policy is not in this export: a number keeps the one it had, and a
new number has none (the service treats that as its own, Unrestricted).
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from licensehub.importers.base import (
    Counts,
    ImportRefused,
    ImportRequest,
    InvalidImport,
    Progress,
    SourceFile,
)
from licensehub.importers.reading import json_items
from licensehub.ledger.tables import users, voice_phone_numbers, voice_services
from licensehub.live_platform.queries import touched

KIND = "teams-numbers"
NUMBER_TYPES = {
    "directrouting": "DirectRouting",
    "operatorconnect": "OperatorConnect",
    "callingplan": "CallingPlan",
}
STATUSES = {
    "unassigned": ("Unassigned", None),
    "userassigned": ("UserAssigned", "User"),
    "conferenceassigned": ("ConferenceAssigned", "ConferenceBridge"),
    "voiceapplicationassigned": ("VoiceApplicationAssigned", "VoiceApplication"),
    "thirdpartyappassigned": ("ThirdPartyAppAssigned", "ThirdPartyApp"),
}
SINGLE_OBJECT_LIMIT = 1 << 20
PHONE_NUMBER = re.compile(r"\+?[0-9]{4,20}")


@dataclass
class Checked:
    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)


def items(source: SourceFile, progress: Progress) -> Iterator[tuple[str, Any]]:
    """ConvertTo-Json writes an array, a lone object for one number, or {"value": [...]}."""
    with source.path.open("rb") as raw:
        head = raw.read(256).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        yield from json_items(source, progress, "item")
        return
    if b'"value"' in head:
        yield from json_items(source, progress, "value.item")
        return
    if source.size > SINGLE_OBJECT_LIMIT:
        raise InvalidImport(source.name, "$", "expected a JSON array of number assignments")
    data = source.path.read_bytes()
    progress.advance(len(data))
    try:
        yield "$", json.load(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidImport(source.name, "$", f"not valid JSON ({exc})") from None


def parse(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ValueError("a number assignment must be a JSON object")
    number = str(item.get("TelephoneNumber") or "").strip()
    if not PHONE_NUMBER.fullmatch(number):  # as the API addresses numbers: ASCII digits
        raise ValueError(f"TelephoneNumber {number!r} is not a phone number")
    number_type = NUMBER_TYPES.get(str(item.get("NumberType") or "").lower())
    if number_type is None:
        raise ValueError(
            f"NumberType {item.get('NumberType')!r} is not DirectRouting, "
            "OperatorConnect or CallingPlan"
        )
    status = STATUSES.get(str(item.get("PstnAssignmentStatus") or "Unassigned").lower())
    if status is None:
        raise ValueError(f"PstnAssignmentStatus {item.get('PstnAssignmentStatus')!r} is unknown")
    target = str(item.get("AssignedPstnTargetId") or "").strip() or None
    if status[0] != "Unassigned" and target is None:
        raise ValueError("an assigned number needs its AssignedPstnTargetId")
    return {
        "telephone_number": number,
        "number_type": number_type,
        "assignment_status": status[0],
        "target_type": status[1],
        "target_id": target if status[0] != "Unassigned" else None,
    }


class TeamsNumbersImporter:
    kind = KIND

    def check(self, request: ImportRequest, progress: Progress) -> Checked:
        if not request.options.get("service"):
            raise InvalidImport(
                request.files[0].name, None, "give the voice service: --service GUID"
            )
        checked = Checked()
        for source in request.files:
            for path, item in items(source, progress):
                try:
                    row = parse(item)
                except ValueError as exc:
                    raise InvalidImport(source.name, path, str(exc)) from None
                if row["telephone_number"] in checked.numbers:
                    raise InvalidImport(
                        source.name, path, f"{row['telephone_number']} appears twice"
                    )
                checked.numbers[row["telephone_number"]] = row
        return checked

    def apply(
        self, connection: Connection, request: ImportRequest, checked: Checked, progress: Progress
    ) -> Counts:
        service = self.service(connection, request)
        by_object_id = self.tenant_users(connection, service.tenant_id, checked)
        existing = {
            row.telephone_number: row
            for row in connection.execute(
                select(voice_phone_numbers).where(voice_phone_numbers.c.service_id == service.id)
            )
        }
        counts = Counts(read=len(checked.numbers), tenant_id=service.tenant_id)
        for number, row in checked.numbers.items():
            target = row["target_id"]
            linked = (
                by_object_id.get(target.lower())
                if row["target_type"] == "User" and target
                else None
            )
            values = row | {"user_id": linked}
            old = existing.get(number)
            if old is None:
                connection.execute(
                    insert(voice_phone_numbers).values(
                        service_id=service.id, updated_at=request.now, **values
                    )
                )
                counts.created += 1
            elif any(getattr(old, key) != value for key, value in values.items()):
                connection.execute(
                    update(voice_phone_numbers)
                    .where(voice_phone_numbers.c.id == old.id)
                    .values(updated_at=request.now, **values)
                )
                counts.updated += 1
        gone = [row.id for number, row in existing.items() if number not in checked.numbers]
        if gone:
            connection.execute(
                delete(voice_phone_numbers).where(voice_phone_numbers.c.id.in_(gone))
            )
            counts.removed = len(gone)
        if counts.changed:
            touched(connection, service.id, request.now)
        return counts

    def service(self, connection: Connection, request: ImportRequest) -> Any:
        try:
            guid = uuid.UUID(str(request.options["service"]))
        except ValueError:
            raise ImportRefused(f"--service {request.options['service']!r} is not a GUID") from None
        row = connection.execute(
            select(voice_services).where(
                voice_services.c.ump_customer_guid == guid,
                request.scope.restrict(voice_services.c.tenant_id),
            )
        ).first()
        if row is None:
            raise ImportRefused(f"no voice service with umpCustomerGuid {guid}")
        return row

    def tenant_users(
        self, connection: Connection, tenant_id: int, checked: Checked
    ) -> dict[str, int]:
        targets = set()
        for row in checked.numbers.values():
            if row["target_type"] == "User" and row["target_id"]:
                try:
                    targets.add(uuid.UUID(row["target_id"]))
                except ValueError:
                    continue
        found: dict[str, int] = {}
        target_list = list(targets)
        for start in range(0, len(target_list), 500):
            for object_id, user_id in connection.execute(
                select(users.c.object_id, users.c.id).where(
                    users.c.tenant_id == tenant_id,
                    users.c.object_id.in_(target_list[start : start + 500]),
                )
            ):
                found[str(object_id).lower()] = user_id
        return found


IMPORTER = TeamsNumbersImporter()
