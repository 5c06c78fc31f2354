"""`licensehub import veeam --organization ID LICENSE.json LICENSEDUSERS.json...`: Veeam
Backup for Microsoft 365's own exports, written here into tmp_path, imported into the demo
and counted by LicensingInformation, on both stores."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from licensehub import importers
from licensehub.auth.principals import Principal
from licensehub.auth.tenant_scope import TenantScope
from licensehub.importers.base import (
    ImportRefused,
    ImportRequest,
    InvalidImport,
    NoProgress,
    SourceFile,
)
from licensehub.importers.runner import ImportFailed, Outcome, run_import
from licensehub.ledger.tables import backup_organizations, backup_protected_users, users
from tests.auth.world import World
from tests.veeam.serving import DEMO_NOON, HUMONGOUS, WOODGROVE
from tests.veeam.spec import named, validate

OPERATOR = Principal(id=0, kind="operator", name="test operator")
PAGE = 30


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kind, until importers/__init__.py lists it."""
    monkeypatch.setitem(importers.REGISTRY, "veeam", "licensehub.importers.veeam")


def veeam_time(moment: datetime) -> str:
    """As VB365's .NET server writes it: seven fractional digits and Z."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0Z"


def license_body(kind: str = "Subscription", total: int = 40) -> dict[str, Any]:
    return {
        "licenseID": "5f3c1b7e-2a9d-4c8e-b6f0-1d2e3f4a5b6c",
        "email": "licensing@contoso.com",
        "status": "Valid",
        "expirationDate": "2027-06-30T00:00:00Z",
        "type": kind,
        "licensedTo": "Contoso Backup Services",
        "contactPerson": "Pat Example",
        "totalNumber": total,
        "usedNumber": 55,
        "newNumber": 0,
        "supportID": "01234567",
        "supportExpirationDate": None,
    }


def licensed_user(user_id: uuid.UUID, name: str, last: datetime) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "name": name,
        "isBackedUp": True,
        "lastBackupDate": veeam_time(last),
        "licenseState": "Licensed",
        "organizationId": str(WOODGROVE),
        "backedUpOrganizationId": "5a905bb5-9071-433c-9d2f-f805d4da2cf4",
        "organizationName": "woodgrovebank.onmicrosoft.com",
        "_links": {"organization": {"href": f"https://vb365:4443/v6/Organizations/{WOODGROVE}"}},
    }


def write(path: Path, body: Any, schema: str) -> Path:
    validate(body, named(schema))  # the test's export is Veeam's format, to the letter
    path.write_text(json.dumps(body, indent=2), encoding="utf-8")
    return path


def pages(folder: Path, items: list[dict[str, Any]]) -> list[Path]:
    files = []
    for number, offset in enumerate(range(0, len(items), PAGE), start=1):
        body = {
            "offset": offset,
            "limit": PAGE,
            "results": items[offset : offset + PAGE],
            "totalCount": len(items),
            "_links": {"self": {"href": f"https://vb365:4443/v6/LicensedUsers?offset={offset}"}},
        }
        files.append(write(folder / f"users-{number}.json", body, "PageOfRESTLicensedUser"))
    return files


def woodgrove(engine: Engine) -> tuple[Any, list[Any], list[Any]]:
    """Woodgrove's organization, its protected users, and its tenant's ledger users."""
    with engine.connect() as connection:
        org = connection.execute(
            select(backup_organizations).where(backup_organizations.c.organization_id == WOODGROVE)
        ).one()
        protected = connection.execute(
            select(backup_protected_users)
            .where(backup_protected_users.c.organization_id == org.id)
            .order_by(backup_protected_users.c.id)
        ).all()
        people = connection.execute(
            select(users).where(users.c.tenant_id == org.tenant_id).order_by(users.c.id)
        ).all()
    return org, list(protected), list(people)


def snapshot(engine: Engine) -> Any:
    org, protected, _ = woodgrove(engine)
    return tuple(org), [tuple(row) for row in protected]


def export(engine: Engine, folder: Path) -> dict[str, Any]:
    """30 users the ledger has (renamed to their UPN, as Veeam names them), 10 new ones named
    by a ledger user's UPN, 10 new guests, all backed up lately; 5 new ones backed up 40 days
    ago. The 78 others the ledger held are gone."""
    _, protected, people = woodgrove(engine)
    kept = [row for row in protected if row.last_backup_time > DEMO_NOON - timedelta(days=31)][:30]
    protected_ids = {row.user_id for row in protected}
    unprotected = [p for p in people if p.id not in protected_ids and p.deleted_at is None]
    recently = DEMO_NOON - timedelta(hours=5)
    items = [licensed_user(row.backup_user_id, row.email, recently) for row in kept]
    newcomers = [(p.user_principal_name.upper(), p.id) for p in unprotected[:10]]
    newcomers += [(f"guest{n}@fabrikam.com", None) for n in range(10)]
    fresh = [uuid.UUID(int=1000 + n) for n in range(len(newcomers))]
    for n, (name, _) in enumerate(newcomers):
        items.append(licensed_user(fresh[n], name, recently - timedelta(minutes=n)))
    for n in range(5):
        gone_by = DEMO_NOON - timedelta(days=40)
        items.append(licensed_user(uuid.UUID(int=2000 + n), f"old{n}@fabrikam.com", gone_by))
    return {
        "license": write(folder / "license.json", license_body(), "RESTLicense"),
        "users": pages(folder, items),
        "items": items,
        "linked": {fresh[n]: user_id for n, (_, user_id) in enumerate(newcomers) if user_id},
    }


def request(
    *files: Path, organization: object = WOODGROVE, principal: Principal = OPERATOR
) -> ImportRequest:
    options = {} if organization is None else {"organization": str(organization)}
    return ImportRequest(
        kind="veeam",
        files=[SourceFile(path.name, path) for path in files],
        scope=TenantScope(principal),
        principal=None if principal is OPERATOR else principal,
        now=DEMO_NOON,
        options=options,
    )


def run(engine: Engine, *files: Path, **kwargs: Any) -> Outcome:
    return run_import(engine, request(*files, **kwargs), "test", NoProgress())


def licensing(api: TestClient) -> Any:
    return api.get(f"/v6/Organizations/{WOODGROVE}/LicensingInformation").json()


def test_an_export_replaces_the_users_and_sets_the_license(
    api: TestClient, demo_engine: Engine, tmp_path: Path
) -> None:
    files = export(demo_engine, tmp_path)
    _, before, _ = woodgrove(demo_engine)
    outcome = run(demo_engine, files["license"], *files["users"])
    counts = outcome.counts
    assert (counts.read, counts.created, counts.updated, counts.removed) == (56, 25, 31, 78)
    org, protected, _ = woodgrove(demo_engine)
    assert (org.license_type, org.licensed_users_limit) == ("Subscription", 40)
    assert org.license_expires_at == datetime.fromisoformat("2027-06-30T00:00:00+00:00")
    assert org.period_started_at is None
    assert len(protected) == 55
    by_id = {row.backup_user_id: row for row in protected}
    for guid, user_id in files["linked"].items():
        assert by_id[guid].user_id == user_id  # named by the ledger user's UPN, in any case
    assert by_id[uuid.UUID(int=1010)].user_id is None  # a guest
    kept = [row for row in before if row.backup_user_id in by_id]
    assert len(kept) == 30
    for row in kept:  # renamed, backed up again, but first backed up when they were
        assert by_id[row.backup_user_id].first_backup_time == row.first_backup_time
        assert by_id[row.backup_user_id].name == row.email
    newcomer = by_id[uuid.UUID(int=1000)]
    assert newcomer.first_backup_time == newcomer.last_backup_time
    # 30 known and 20 new users in use, 40 licenses: the 10 latest in are in their grace.
    assert licensing(api) == {"licensedUsers": 50, "newUsers": 0}
    params = {"organizationId": str(WOODGROVE), "limit": 100}
    page = api.get("/v6/LicensedUsers", params=params).json()
    found = [user["licenseState"] for user in page["results"]]
    assert (found.count("Licensed"), found.count("TemporarilyAssigned")) == (40, 10)


def test_the_same_export_again_changes_nothing(demo_engine: Engine, tmp_path: Path) -> None:
    files = export(demo_engine, tmp_path)
    first = run(demo_engine, files["license"], *files["users"])
    before = snapshot(demo_engine)
    again = run(demo_engine, *reversed(files["users"]), files["license"])
    counts = again.counts
    assert (counts.created, counts.updated, counts.removed) == (0, 0, 0)
    assert again.same_as is None  # another order of the files is other content
    assert run(demo_engine, files["license"], *files["users"]).same_as == first.import_id
    assert snapshot(demo_engine) == before


def test_a_rental_license_makes_the_periods_newcomers_new(
    api: TestClient, demo_engine: Engine, tmp_path: Path
) -> None:
    files = export(demo_engine, tmp_path)
    run(demo_engine, files["license"], *files["users"])
    rental = write(tmp_path / "rental.json", license_body("Rental", 100), "RESTLicense")
    assert run(demo_engine, rental).counts.updated == 1
    org, _, _ = woodgrove(demo_engine)
    assert org.period_started_at == datetime.fromisoformat("2026-11-01T00:00:00+00:00")
    assert org.trial_expires_at == datetime.fromisoformat("2026-12-01T00:00:00+00:00")
    assert licensing(api) == {"licensedUsers": 30, "newUsers": 20}
    assert run(demo_engine, rental).counts.updated == 0


def test_a_broken_last_item_changes_nothing(demo_engine: Engine, tmp_path: Path) -> None:
    files = export(demo_engine, tmp_path)
    last = files["users"][-1]
    body = json.loads(last.read_text())
    body["results"][-1]["id"] = "not-a-guid"
    last.write_text(json.dumps(body))
    before = snapshot(demo_engine)
    with pytest.raises(ImportFailed) as failure:
        run(demo_engine, files["license"], *files["users"])
    cause = failure.value.cause
    assert isinstance(cause, InvalidImport)
    index = len(body["results"]) - 1
    assert (cause.file, cause.location) == (last.name, f"$.results[{index}].id")
    assert snapshot(demo_engine) == before


def test_a_truncated_file_changes_nothing(demo_engine: Engine, tmp_path: Path) -> None:
    files = export(demo_engine, tmp_path)
    last = files["users"][-1]
    last.write_text(last.read_text()[:-200])
    before = snapshot(demo_engine)
    with pytest.raises(ImportFailed) as failure:
        run(demo_engine, files["license"], *files["users"])
    assert isinstance(failure.value.cause, InvalidImport)
    assert "not valid JSON" in str(failure.value)
    assert snapshot(demo_engine) == before


def test_an_organization_out_of_scope_is_refused_as_one_that_does_not_exist(
    demo_engine: Engine, world: World, tmp_path: Path
) -> None:
    customer = Principal(id=1, kind="customer", name="c", tenant_id=world.a.id, can_write=True)
    files = export(demo_engine, tmp_path)
    messages = []
    for guid in (HUMONGOUS, world.missing):
        license = files["license"]
        with pytest.raises(ImportFailed) as failure:
            run(demo_engine, license, organization=guid, principal=customer)
        assert isinstance(failure.value.cause, ImportRefused)
        messages.append(str(failure.value).replace(str(guid), "<asked>"))
    assert messages[0] == messages[1]
    own = run(demo_engine, files["license"], organization=WOODGROVE, principal=customer)
    assert own.counts.updated == 1


def users_page(tmp_path: Path, *items: dict[str, Any]) -> Path:
    body = {"offset": 0, "limit": PAGE, "results": list(items)}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(body))
    return path


GOOD = licensed_user(uuid.UUID(int=7), "a@fabrikam.com", DEMO_NOON)


@pytest.mark.parametrize(
    ("content", "location", "words"),
    [
        ({"value": []}, "$", "neither a GET /v6/License response"),
        ([GOOD], "$", "neither"),
        (license_body("Evaluation"), "$.type", "Subscription or Rental"),
        (license_body("Perpetual"), "$.type", "'Rental'"),
        (license_body(total=-1), "$.totalNumber", "greater than or equal to 0"),
        (license_body() | {"totalNumber": "40"}, "$.totalNumber", "valid integer"),
        (license_body() | {"expirationDate": "soon"}, "$.expirationDate", "valid datetime"),
        ({"results": [GOOD | {"lastBackupDate": "yesterday"}]}, "$.results[0].lastBackupDate", ""),
        ({"results": [GOOD | {"name": " "}]}, "$.results[0].name", "at least 1 character"),
        ({"results": [GOOD | {"lastBackupDate": 1700000000}]}, "$.results[0].lastBackupDate", ""),
        ({"results": [GOOD | {"lastBackupDate": None}]}, "$.results[0]", "lastBackupDate"),
        ({"results": [GOOD | {"isBackedUp": "yes"}]}, "$.results[0].isBackedUp", ""),
        ({"results": [GOOD | {"licenseState": "Gone"}]}, "$.results[0].licenseState", ""),
        (
            {"results": [GOOD | {"organizationId": str(HUMONGOUS)}]},
            "$.results[0].organizationId",
            "",
        ),
        ({"results": [GOOD, GOOD]}, "$.results[1].id", "twice"),
        ({"results": [7]}, "$.results[0]", "JSON object"),
    ],
)
def test_check_names_the_file_and_the_place(
    tmp_path: Path, content: Any, location: str, words: str
) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(content))
    checked = importers.importer_for("veeam")
    with pytest.raises(InvalidImport) as error:
        checked.check(request(path), NoProgress())
    assert (error.value.file, error.value.location) == ("export.json", location)
    assert words in error.value.message


def test_a_user_never_backed_up_has_no_backup_time(tmp_path: Path) -> None:
    never = GOOD | {"isBackedUp": False, "lastBackupDate": "0001-01-01T00:00:00"}
    checked = importers.importer_for("veeam").check(
        request(users_page(tmp_path, never)), NoProgress()
    )
    assert checked.users[uuid.UUID(int=7)]["last_backup_time"] is None


@pytest.mark.parametrize(
    ("organization", "words"),
    [(None, "--organization GUID"), ("woodgrove", "is not a GUID")],
)
def test_the_organization_option(tmp_path: Path, organization: Any, words: str) -> None:
    path = users_page(tmp_path, GOOD)
    with pytest.raises(InvalidImport) as error:
        importers.importer_for("veeam").check(
            request(path, organization=organization), NoProgress()
        )
    assert words in error.value.message


def test_one_license_per_import(tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", license_body(), "RESTLicense")
    second = write(tmp_path / "b.json", license_body("Rental"), "RESTLicense")
    with pytest.raises(InvalidImport, match="a second license file"):
        importers.importer_for("veeam").check(request(first, second), NoProgress())
