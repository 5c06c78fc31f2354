"""The Graph importer: subscribedSkus and users exports replace a tenant's current state and
keep its history, on both stores."""

from __future__ import annotations

import copy
import gc
import json
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, and_, func, insert, or_, select

from licensehub.auth.principals import Principal
from licensehub.importers.base import (
    Counts,
    ImportRefused,
    ImportRequest,
    InvalidImport,
    NoProgress,
)
from licensehub.importers.graph import IMPORTER, KIND, spool
from licensehub.importers.runner import ImportFailed, run_import
from licensehub.kit.frozen_heap import heap_frozen
from licensehub.ledger.database import make_engine
from licensehub.ledger.tables import (
    assignment_disabled_plans,
    license_assignments,
    partners,
    service_plans,
    sku_service_plans,
    skus,
    subscriptions,
    tenants,
    users,
)
from tests.conftest import migrate
from tests.importers.conftest import RequestFactory
from tests.partner_center.plan_copies import copies_hold
from tests.shared import SHARED
from tests.stores import Store

GRAPH_SAMPLES = SHARED / "data" / "graph"
SAMPLE_SKUS = GRAPH_SAMPLES / "graph-docs_subscribedsku-list_example.json"
SAMPLE_LICENSE_DETAILS = GRAPH_SAMPLES / "graph-docs_user-list-licensedetails_example.json"
SAMPLE_TENANT = uuid.UUID("48a80680-7326-48cd-9935-b556b81d3a4e")

TENANT = uuid.UUID("11111111-2222-4333-8444-555555555555")
OTHER_TENANT = uuid.UUID("99999999-8888-4777-8666-555555555555")
E3 = uuid.UUID("6fd2c87f-b296-42f0-b197-1e91e994b900")
E5 = uuid.UUID("c7df2760-2c81-4ef7-b578-5b5392b571df")
VISIO = uuid.UUID("c5928f49-12ba-48f7-ada3-0d743a3601d5")
POWER_BI = uuid.UUID("a403ebcc-fae0-4ca2-8c8c-7a907fd6c235")
EXCHANGE = uuid.UUID("efb87545-963c-4e0d-99df-69c6916d9eb0")
SHAREPOINT = uuid.UUID("5dbe027f-2339-4123-9542-606e4d348a72")
TEAMS = uuid.UUID("57ff2da0-773e-42df-b2af-ffb7a2317929")
FOUNDATION = uuid.UUID("113feb6c-3fe4-4440-bddc-54d774bf0318")  # in E3, E5 and Visio
E5_ONLY = uuid.UUID("8e0c0a52-6a6c-4d40-8370-dd62790dcd70")
VISIO_PLAN = uuid.UUID("663a804f-1c30-4ff0-9915-9db84f0d1cea")
BI_PLAN = uuid.UUID("2049e525-b859-401b-b2a0-e0a31c4b1fe4")
PLANS = {
    E3: ("ENTERPRISEPACK", [EXCHANGE, SHAREPOINT, TEAMS, FOUNDATION]),
    E5: ("ENTERPRISEPREMIUM", [EXCHANGE, SHAREPOINT, TEAMS, FOUNDATION, E5_ONLY]),
    VISIO: ("VISIOCLIENT", [VISIO_PLAN, FOUNDATION]),
    POWER_BI: ("POWER_BI_STANDARD", [BI_PLAN]),
}

T1 = datetime(2026, 10, 1, 8, tzinfo=UTC)
T2 = T1 + timedelta(days=7)
T3 = T2 + timedelta(days=7)
ASSIGNED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
PLAN_DATE = {"assignedDateTime": "2024-05-06T07:08:09Z"}


# --- Exports written the way Graph pages them ------------------------------------------------


def object_id(index: int, tenant: uuid.UUID = TENANT) -> uuid.UUID:
    return uuid.UUID(int=(tenant.int & ~0xFFFFFFFF) | index)


def generated_user(index: int, tenant: uuid.UUID = TENANT) -> dict[str, Any]:
    """Every third user E3, every third E5 without Teams, every third E3 + Visio; every 50th
    unlicensed; one in ten at fabrikam.com."""
    licenses: list[dict[str, Any]] = []
    if index % 50 != 7:
        if index % 3 == 0:
            licenses = [{"skuId": str(E3), "disabledPlans": []}]
        elif index % 3 == 1:
            licenses = [{"skuId": str(E5), "disabledPlans": [str(TEAMS)]}]
        else:
            licenses = [
                {"skuId": str(E3), "disabledPlans": []},
                {"skuId": str(VISIO), "disabledPlans": []},
            ]
    domain = "fabrikam.com" if index % 10 == 3 else "contoso.com"
    return {
        "id": str(object_id(index, tenant)),
        "userPrincipalName": f"user{index}@{domain}",
        "displayName": f"User {index}",
        "accountEnabled": index % 17 != 0,
        "assignedLicenses": licenses,
    }


@dataclass
class Export:
    """One tenant's Graph export, to write out and change."""

    tenant: uuid.UUID = TENANT
    units: dict[uuid.UUID, tuple[int, str]] = field(
        default_factory=lambda: {
            E3: (1000, "Enabled"),
            E5: (800, "Enabled"),
            VISIO: (300, "Enabled"),
            POWER_BI: (10, "Warning"),
        }
    )
    users: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def generated(cls, count: int, tenant: uuid.UUID = TENANT) -> Export:
        return cls(tenant=tenant, users=[generated_user(i, tenant) for i in range(count)])

    def sku_items(self) -> list[dict[str, Any]]:
        return [
            {
                "id": f"{self.tenant}_{sku}",
                "skuId": str(sku),
                "skuPartNumber": PLANS[sku][0],
                "appliesTo": "User",
                "capabilityStatus": status,
                "consumedUnits": 0,
                "prepaidUnits": {"enabled": units, "suspended": 0, "warning": 0, "lockedOut": 0},
                "servicePlans": [
                    {
                        "servicePlanId": str(plan),
                        "servicePlanName": f"PLAN_{plan.hex[:6].upper()}",
                        "provisioningStatus": "Success",
                        "appliesTo": "User",
                    }
                    for plan in PLANS[sku][1]
                ],
            }
            for sku, (units, status) in self.units.items()
        ]

    def write(self, folder: Path, pages: int = 3, skus: bool = True) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        files = (
            [write_page(folder / "skus.json", "subscribedSkus", self.sku_items())] if skus else []
        )
        size = -(-len(self.users) // max(pages, 1)) or 1
        for page in range(pages):
            items = self.users[page * size : (page + 1) * size]
            files.append(write_page(folder / f"users-{page + 1}.json", USERS_CONTEXT, items))
        return files[1:] + files[:1]  # any order will do: users pages first, SKUs last


USERS_CONTEXT = "users(id,userPrincipalName,displayName,accountEnabled,assignedLicenses)"


def write_page(path: Path, context: str | None, items: list[dict[str, Any]]) -> Path:
    page: dict[str, Any] = {}
    if context is not None:
        page["@odata.context"] = f"https://graph.microsoft.com/v1.0/$metadata#{context}"
    page["value"] = items
    page["@odata.nextLink"] = "https://graph.microsoft.com/v1.0/users?$skiptoken=X"
    path.write_text(json.dumps(page, indent=1), encoding="utf-8")
    return path


# --- Running imports and reading the ledger ---------------------------------------------------


@pytest.fixture
def partner(engine: Engine) -> int:
    with engine.begin() as connection:
        return add_partner(connection, "Contoso Cloud Partners")


def add_partner(connection: Connection, name: str) -> int:
    return int(
        connection.execute(insert(partners).values(name=name).returning(partners.c.id)).scalar_one()
    )


def run(engine: Engine, request: ImportRequest) -> Counts:
    """Check and apply as the runner does; the counts without the tenant they name."""
    checked = IMPORTER.check(request, NoProgress())
    with engine.begin() as connection:
        result = IMPORTER.apply(connection, request, checked, NoProgress())
        tenant = connection.execute(
            select(tenants.c.id).where(tenants.c.tenant_id == checked.tenant)
        ).scalar_one()
    assert result.tenant_id == tenant
    return replace(result, tenant_id=None)


def counts(read: int, created: int = 0, updated: int = 0, removed: int = 0) -> Counts:
    return Counts(read=read, created=created, updated=updated, removed=removed)


def tenant_row(connection: Connection, tenant: uuid.UUID = TENANT) -> Any:
    return connection.execute(select(tenants).where(tenants.c.tenant_id == tenant)).one()


def current(table: Any) -> Any:
    return table.c.valid_to.is_(None)


def as_of(table: Any, instant: datetime) -> Any:
    return and_(
        table.c.valid_from <= instant, or_(table.c.valid_to.is_(None), table.c.valid_to > instant)
    )


def seats(connection: Connection, tenant: uuid.UUID, when: Any) -> dict[uuid.UUID, tuple[Any, ...]]:
    """SKU -> (enabled units, capability status) of the subscriptions matching `when`."""
    s = subscriptions.c
    query = (
        select(s.sku_id, s.enabled_units, s.capability_status)
        .join(tenants, tenants.c.id == s.tenant_id)
        .where(tenants.c.tenant_id == tenant, when)
    )
    return {
        row.sku_id: (row.enabled_units, row.capability_status) for row in connection.execute(query)
    }


def holdings(
    connection: Connection, tenant: uuid.UUID, when: Any
) -> dict[uuid.UUID, dict[uuid.UUID, frozenset[uuid.UUID]]]:
    """object id -> {SKU: disabled plans} of the assignments matching `when`."""
    la, adp = license_assignments.c, assignment_disabled_plans.c
    query = (
        select(users.c.object_id, la.sku_id, adp.service_plan_id)
        .join(users, users.c.id == la.user_id)
        .join(tenants, tenants.c.id == la.tenant_id)
        .outerjoin(assignment_disabled_plans, adp.assignment_id == la.id)
        .where(tenants.c.tenant_id == tenant, when)
    )
    found: dict[uuid.UUID, dict[uuid.UUID, set[uuid.UUID]]] = {}
    for object_id_, sku_id, plan_id in connection.execute(query):
        plans = found.setdefault(object_id_, {}).setdefault(sku_id, set())
        if plan_id is not None:
            plans.add(plan_id)
    return {
        user: {sku: frozenset(plans) for sku, plans in held.items()} for user, held in found.items()
    }


def expected_holdings(export: Export) -> dict[uuid.UUID, dict[uuid.UUID, frozenset[uuid.UUID]]]:
    return {
        uuid.UUID(user["id"]): {
            uuid.UUID(lic["skuId"]): frozenset(uuid.UUID(p) for p in lic["disabledPlans"])
            for lic in user["assignedLicenses"]
        }
        for user in export.users
        if user["assignedLicenses"]
    }


def snapshot(connection: Connection, tenant: uuid.UUID) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tenant's seats, to compare before and after."""
    row_id = tenant_row(connection, tenant).id
    tables = {"users": users, "subscriptions": subscriptions, "assignments": license_assignments}
    found = {
        name: sorted(
            tuple(row)
            for row in connection.execute(select(table).where(table.c.tenant_id == row_id))
        )
        for name, table in tables.items()
    }
    la = license_assignments.c
    found["disabled"] = sorted(
        tuple(row)
        for row in connection.execute(
            select(assignment_disabled_plans)
            .join(license_assignments, la.id == assignment_disabled_plans.c.assignment_id)
            .where(la.tenant_id == row_id)
        )
    )
    return found


def row_counts(connection: Connection) -> dict[str, int]:
    tables = (tenants, users, subscriptions, license_assignments, skus, service_plans)
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in tables
    }


# --- The real sample ---------------------------------------------------------------------------


@pytest.mark.skipif(
    not SAMPLE_SKUS.exists(), reason="../shared/data/graph is not beside this checkout"
)
def test_the_documented_subscribed_skus_create_the_tenant_under_the_partner(
    engine: Engine, partner: int, make_request: RequestFactory
) -> None:
    request = make_request(KIND, SAMPLE_SKUS, partner_id=partner, now=T1)

    assert run(engine, request) == counts(read=2, created=2)

    with engine.connect() as connection:
        tenant = tenant_row(connection, SAMPLE_TENANT)
        assert (tenant.partner_id, tenant.name) == (partner, str(SAMPLE_TENANT))
        rows = connection.execute(
            select(subscriptions, skus.c.sku_part_number)
            .join(skus, skus.c.sku_id == subscriptions.c.sku_id)
            .where(subscriptions.c.tenant_id == tenant.id, current(subscriptions))
        ).all()
        found = {
            row.sku_part_number: (row.capability_status, row.enabled_units, row.suspended_units)
            for row in rows
        }
        assert found == {
            "ENTERPRISEPREMIUM": ("Enabled", 25, 0),
            "CRMSTANDARD": ("Suspended", 0, 25),
        }
        plan = connection.execute(
            select(service_plans).where(service_plans.c.service_name == "CRMSTANDARD")
        ).one()
        assert plan.service_plan_id == uuid.UUID("f9646fb2-e3b2-4309-95de-dc4833737456")
        assert connection.execute(select(func.count()).select_from(sku_service_plans)).scalar() == 2

    # The same response with a --tenant that disagrees with its ids is refused.
    with pytest.raises(InvalidImport, match="not 11111111") as raised:
        IMPORTER.check(make_request(KIND, SAMPLE_SKUS, tenant=TENANT), NoProgress())
    assert raised.value.location == "$.value[0].id"


@pytest.mark.skipif(
    not SAMPLE_LICENSE_DETAILS.exists(), reason="../shared/data/graph is not beside this checkout"
)
def test_a_users_license_details_list_is_refused(make_request: RequestFactory) -> None:
    request = make_request(KIND, SAMPLE_LICENSE_DETAILS, tenant=TENANT)
    with pytest.raises(InvalidImport, match="licenseDetails") as raised:
        IMPORTER.check(request, NoProgress())
    assert raised.value.file == SAMPLE_LICENSE_DETAILS.name


# --- Generated exports -------------------------------------------------------------------------


def test_an_export_then_a_newer_one_replace_the_current_state_and_keep_history(
    engine: Engine, partner: int, make_request: RequestFactory, tmp_path: Path
) -> None:
    first = Export.generated(2000)
    first.users[0]["assignedPlans"] = [
        # E3's own plans say when E3 was assigned; FOUNDATION is in Visio too: it says nothing.
        {
            "assignedDateTime": "2020-01-01T00:00:00Z",
            "capabilityStatus": "Enabled",
            "service": "x",
            "servicePlanId": str(FOUNDATION),
        },
        {
            "assignedDateTime": "2024-05-06T09:08:09+02:00",  # ASSIGNED, told in another zone
            "capabilityStatus": "Enabled",
            "service": "exchange",
            "servicePlanId": str(EXCHANGE),
        },
        {
            "assignedDateTime": "2025-01-01T00:00:00Z",
            "capabilityStatus": "Enabled",
            "service": "SharePoint",
            "servicePlanId": str(SHAREPOINT),
        },
        {
            "assignedDateTime": "2019-01-01T00:00:00Z",
            "capabilityStatus": "Deleted",
            "service": "SharePoint",
            "servicePlanId": str(SHAREPOINT),
        },
    ]
    first.users[0]["assignedLicenses"].append({"skuId": str(VISIO), "disabledPlans": []})
    assignments = sum(len(user["assignedLicenses"]) for user in first.users)
    files = first.write(tmp_path / "first")

    created = run(engine, make_request(KIND, *files, partner_id=partner, now=T1))

    assert created == counts(read=2004, created=2000 + 4 + assignments)
    with engine.connect() as connection:
        tenant = tenant_row(connection)
        assert (tenant.partner_id, tenant.name) == (partner, "contoso.com")
        assert seats(connection, TENANT, current(subscriptions)) == {
            sku: units for sku, units in first.units.items()
        }
        assert holdings(connection, TENANT, current(license_assignments)) == expected_holdings(
            first
        )
        people = {
            row.object_id: (row.user_principal_name, row.display_name, row.account_enabled)
            for row in connection.execute(select(users).where(users.c.deleted_at.is_(None)))
        }
        assert people == {
            uuid.UUID(u["id"]): (u["userPrincipalName"], u["displayName"], u["accountEnabled"])
            for u in first.users
        }
        dates = dict(
            connection.execute(
                select(license_assignments.c.sku_id, license_assignments.c.assigned_at)
                .join(users, users.c.id == license_assignments.c.user_id)
                .where(users.c.object_id == object_id(0))
            ).all()
        )
        assert dates == {E3: ASSIGNED, VISIO: None}  # Visio's own plan is not among them
        assert copies_hold(connection)  # the SKUs and plans the export added (plan_bodies.py)
        assert (
            connection.execute(
                select(func.count())
                .select_from(license_assignments)
                .where(license_assignments.c.assigned_at.is_not(None))
            ).scalar()
            == 1
        )

    newer = Export.generated(2000)
    newer.users[0] = copy.deepcopy(first.users[0])
    newer.users[0]["assignedLicenses"][0]["disabledPlans"] = [str(TEAMS)]  # E3 without Teams
    newer.users[9]["assignedLicenses"] = [{"skuId": str(E5), "disabledPlans": []}]  # was E3
    gone = newer.users.pop(5)  # E3 + Visio
    newer.units[E3] = (1200, "Enabled")
    del newer.units[POWER_BI]
    newer_files = newer.write(tmp_path / "newer", pages=4)

    changed = run(engine, make_request(KIND, *newer_files, now=T2))

    # user 5 and its two assignments removed; user 9: E3 removed, E5 created; user 0: its
    # E3 reopened without Teams; E3 units updated; Power BI removed.
    assert changed == counts(read=1999 + 3, created=1, updated=2, removed=3 + 1 + 1)
    with engine.connect() as connection:
        assert seats(connection, TENANT, current(subscriptions)) == newer.units
        assert seats(connection, TENANT, as_of(subscriptions, T2 - timedelta(seconds=1))) == (
            first.units
        )
        assert holdings(connection, TENANT, current(license_assignments)) == expected_holdings(
            newer
        )
        assert holdings(connection, TENANT, as_of(license_assignments, T1)) == expected_holdings(
            first
        )
        deleted = connection.execute(
            select(users.c.deleted_at).where(users.c.object_id == uuid.UUID(gone["id"]))
        ).scalar_one()
        assert deleted == T2
        history = connection.execute(
            select(
                license_assignments.c.valid_from,
                license_assignments.c.valid_to,
                license_assignments.c.assigned_at,
            )
            .join(users, users.c.id == license_assignments.c.user_id)
            .where(users.c.object_id == object_id(0), license_assignments.c.sku_id == E3)
            .order_by(license_assignments.c.valid_from)
        ).all()
        assert [tuple(row) for row in history] == [(T1, T2, ASSIGNED), (T2, None, ASSIGNED)]
        closed = connection.execute(
            select(subscriptions.c.valid_from, subscriptions.c.valid_to).where(
                subscriptions.c.sku_id == POWER_BI
            )
        ).one()
        assert tuple(closed) == (T1, T2)

    # The same files again change nothing; the user who left comes back, undeleted.
    assert run(engine, make_request(KIND, *newer_files, now=T3)) == counts(read=2002)
    newer.users.insert(5, gone)
    back = run(engine, make_request(KIND, *newer.write(tmp_path / "back"), now=T3))
    assert back == counts(read=2003, created=2, updated=1)
    with engine.connect() as connection:
        assert holdings(connection, TENANT, current(license_assignments)) == expected_holdings(
            newer
        )
        assert (
            connection.execute(
                select(users.c.deleted_at).where(users.c.object_id == uuid.UUID(gone["id"]))
            ).scalar_one()
            is None
        )


def test_the_same_export_twice_changes_nothing(
    engine: Engine, partner: int, make_request: RequestFactory, tmp_path: Path
) -> None:
    files = Export.generated(300).write(tmp_path)
    run(engine, make_request(KIND, *files, partner_id=partner, now=T1))
    with engine.connect() as connection:
        before = snapshot(connection, TENANT)

    assert run(engine, make_request(KIND, *files, now=T2)) == counts(read=304)

    with engine.connect() as connection:
        assert snapshot(connection, TENANT) == before
    # An import dated before the ledger's current state would rewrite history: refused.
    with pytest.raises(ImportRefused, match="later than this import"):
        run(engine, make_request(KIND, *files, now=T1 - timedelta(days=1)))


class CountingProgress:
    def __init__(self) -> None:
        self.bytes = 0

    def advance(self, nbytes: int) -> None:
        self.bytes += nbytes


def test_progress_counts_every_file_twice_as_the_runner_expects(
    engine: Engine, partner: int, make_request: RequestFactory, tmp_path: Path
) -> None:
    files = Export.generated(100).write(tmp_path)
    request = make_request(KIND, *files, partner_id=partner, now=T1)
    progress = CountingProgress()

    checked = IMPORTER.check(request, progress)
    with engine.begin() as connection:
        IMPORTER.apply(connection, request, checked, progress)

    assert progress.bytes == 2 * sum(path.stat().st_size for path in files)


def test_a_users_only_export_leaves_subscriptions_alone_and_the_reverse(
    engine: Engine, partner: int, make_request: RequestFactory, tmp_path: Path
) -> None:
    export = Export.generated(100)
    everything = export.write(tmp_path / "all")
    run(engine, make_request(KIND, *everything, partner_id=partner, now=T1, tenant_name="Contoso"))
    with engine.connect() as connection:
        assert tenant_row(connection).name == "Contoso"
        before = snapshot(connection, TENANT)

    export.users.pop()
    users_only = export.write(tmp_path / "users", pages=2, skus=False)
    result = run(engine, make_request(KIND, *users_only, tenant=TENANT, now=T2))

    assert result == counts(read=99, removed=1 + 1)
    with engine.connect() as connection:
        after = snapshot(connection, TENANT)
        assert after["subscriptions"] == before["subscriptions"]
        assert after["users"] != before["users"]

    export.units = {E3: (5, "Suspended")}
    export.users = []
    skus_only = export.write(tmp_path / "skus", pages=0)
    assert run(engine, make_request(KIND, *skus_only, now=T3)) == counts(
        read=1, updated=1, removed=3
    )
    with engine.connect() as connection:
        final = snapshot(connection, TENANT)
        assert (final["users"], final["assignments"]) == (after["users"], after["assignments"])


def test_another_tenants_rows_are_untouched(
    engine: Engine, partner: int, make_request: RequestFactory, tmp_path: Path
) -> None:
    other = Export.generated(200, OTHER_TENANT)
    run(engine, make_request(KIND, *other.write(tmp_path / "b"), partner_id=partner, now=T1))
    mine = Export.generated(200)
    run(engine, make_request(KIND, *mine.write(tmp_path / "a"), partner_id=partner, now=T1))
    with engine.connect() as connection:
        before = snapshot(connection, OTHER_TENANT)

    mine.users, gone = mine.users[:50], mine.users[50:]
    mine.units = {E5: (1, "Enabled")}
    result = run(engine, make_request(KIND, *mine.write(tmp_path / "a2"), now=T2))

    closed = sum(len(user["assignedLicenses"]) for user in gone)
    assert result == counts(read=51, updated=1, removed=150 + closed + 3)
    with engine.connect() as connection:
        assert snapshot(connection, OTHER_TENANT) == before


# --- What check() refuses ------------------------------------------------------------------------


def test_a_file_broken_at_its_last_item_names_file_and_path_and_writes_nothing(
    engine: Engine, partner: int, make_request: RequestFactory, tmp_path: Path
) -> None:
    export = Export.generated(600)
    export.users[-1]["assignedLicenses"] = [{"skuId": "not-a-guid", "disabledPlans": []}]
    files = export.write(tmp_path)
    with engine.connect() as connection:
        before = row_counts(connection)

    request = make_request(KIND, *files, partner_id=partner, now=T1)
    with pytest.raises(InvalidImport) as raised:
        run(engine, request)

    assert (raised.value.file, raised.value.location) == (
        "users-3.json",
        "$.value[199].assignedLicenses[0].skuId",
    )
    assert "not a GUID" in str(raised.value)
    with engine.connect() as connection:
        assert row_counts(connection) == before


def test_truncated_json_is_invalid(make_request: RequestFactory, tmp_path: Path) -> None:
    files = Export.generated(50).write(tmp_path, pages=1)
    page = files[0]
    page.write_bytes(page.read_bytes()[: page.stat().st_size // 2])

    with pytest.raises(InvalidImport, match="not valid JSON") as raised:
        IMPORTER.check(make_request(KIND, *files), NoProgress())
    assert raised.value.file == "users-1.json"


def broken(tmp_path: Path, change: Any) -> list[Path]:
    export = Export.generated(30)
    change(export)
    return export.write(tmp_path)


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        (
            lambda e: e.users[3].update(userPrincipalName=""),
            "$.value[3].userPrincipalName",
            "non-empty string",
        ),
        (lambda e: e.users[4].pop("accountEnabled"), "$.value[4]", "accountEnabled"),
        (lambda e: e.users[5].update(id="12345"), "$.value[5].id", "not a GUID"),
        (lambda e: e.users[9].update(id=e.users[1]["id"]), "$.value[9].id", "twice"),
        (
            lambda e: e.users[2]["assignedLicenses"][0]["disabledPlans"].append("x"),
            "$.value[2].assignedLicenses[0].disabledPlans[0]",
            "not a GUID",
        ),
        # A user's licenses and plans are read on a fast path: what fails it must still be
        # named where it is, as Fields names it.
        (
            lambda e: e.users[3]["assignedLicenses"][0].pop("skuId"),
            "$.value[3].assignedLicenses[0]",
            "missing required field 'skuId'",
        ),
        (
            lambda e: e.users[3]["assignedLicenses"][0].update(skuId=12),
            "$.value[3].assignedLicenses[0].skuId",
            "not a GUID",
        ),
        (
            lambda e: e.users[3]["assignedLicenses"].__setitem__(0, "E3"),
            "$.value[3].assignedLicenses[0]",
            "expected an object",
        ),
        (
            lambda e: e.users[3]["assignedLicenses"].append({"skuId": str(E3)}),
            "$.value[3].assignedLicenses[1].skuId",
            "assigned twice",
        ),
        (
            lambda e: e.users[3]["assignedLicenses"][0].update(disabledPlans={str(TEAMS): 1}),
            "$.value[3].assignedLicenses[0].disabledPlans",
            "expected an array",
        ),
        (
            lambda e: e.users[3].update(assignedPlans=[{"servicePlanId": "x", **PLAN_DATE}]),
            "$.value[3].assignedPlans[0].servicePlanId",
            "not a GUID",
        ),
        (
            lambda e: e.users[3].update(assignedPlans=[{"servicePlanId": str(TEAMS)}]),
            "$.value[3].assignedPlans[0]",
            "missing required field 'assignedDateTime'",
        ),
        (
            lambda e: e.users[3].update(
                assignedPlans=[
                    {"servicePlanId": str(TEAMS), "assignedDateTime": "9999-12-31T23:30:00-01:00"}
                ]
            ),
            "$.value[3].assignedPlans[0].assignedDateTime",
            "years 1-9999",
        ),
        (
            lambda e: e.users[3].update(displayName="Null\u0000Name"),
            "$.value[3].displayName",
            "NUL",
        ),
        (
            lambda e: e.units.update({E3: (-1, "Enabled")}),
            "$.value[0].prepaidUnits.enabled",
            ">= 0",
        ),
        (lambda e: e.units.update({E3: (1, "Gone")}), "$.value[0].capabilityStatus", "Gone"),
    ],
)
def test_bad_values_name_the_json_path(
    make_request: RequestFactory, tmp_path: Path, change: Any, location: str, message: str
) -> None:
    files = broken(tmp_path, change)
    with pytest.raises(InvalidImport, match=message) as raised:
        IMPORTER.check(make_request(KIND, *files), NoProgress())
    assert raised.value.location == location


def test_a_user_id_repeated_on_another_page_is_invalid(
    make_request: RequestFactory, tmp_path: Path
) -> None:
    export = Export.generated(30)
    export.users[25]["id"] = export.users[2]["id"]
    files = export.write(tmp_path, pages=3)

    with pytest.raises(InvalidImport, match="twice") as raised:
        IMPORTER.check(make_request(KIND, *files), NoProgress())
    assert (raised.value.file, raised.value.location) == ("users-3.json", "$.value[5].id")


def test_files_that_are_not_graph_lists_and_exports_without_a_tenant_are_invalid(
    make_request: RequestFactory, tmp_path: Path
) -> None:
    odd = write_page(tmp_path / "groups.json", "groups", [{"id": str(TENANT)}])
    with pytest.raises(InvalidImport, match="neither"):
        IMPORTER.check(make_request(KIND, odd), NoProgress())

    # Without @odata.context, the items' keys tell; a BOM is fine either way.
    bare = write_page(tmp_path / "bare.json", None, [generated_user(1)])
    assert IMPORTER.check(make_request(KIND, bare, tenant=TENANT), NoProgress()).read == 1
    sku_page = write_page(tmp_path / "skus.json", "subscribedSkus", Export().sku_items())
    for page in (bare, sku_page):
        page.write_bytes(b"\xef\xbb\xbf" + page.read_bytes())
    checked = IMPORTER.check(make_request(KIND, bare, sku_page), NoProgress())
    assert (checked.tenant, checked.read) == (TENANT, 5)
    with pytest.raises(InvalidImport, match="give --tenant"):
        IMPORTER.check(make_request(KIND, bare), NoProgress())


# --- Who may import what ----------------------------------------------------------------------


def test_scope_decides_who_may_import_which_tenant(
    engine: Engine, partner: int, make_request: RequestFactory, tmp_path: Path
) -> None:
    files = Export.generated(20).write(tmp_path)
    with engine.begin() as connection:
        rival = add_partner(connection, "Fabrikam Partners")

    with pytest.raises(ImportRefused, match="give --partner"):
        run(engine, make_request(KIND, *files, now=T1))

    customer = Principal(id=3, kind="customer", name="a customer", tenant_id=1)
    with pytest.raises(ImportRefused):
        run(engine, make_request(KIND, *files, principal=customer, now=T1))

    # A partner principal creates a new tenant under its own partner...
    ours = Principal(id=1, kind="partner", name="contoso", partner_id=partner)
    assert run(engine, make_request(KIND, *files, principal=ours, now=T1)).created > 0
    with engine.connect() as connection:
        assert tenant_row(connection).partner_id == partner
        before = row_counts(connection)

    # ... and another partner's principal may not touch it.
    theirs = Principal(id=2, kind="partner", name="fabrikam", partner_id=rival)
    with pytest.raises(ImportRefused, match="not in the ledger, and you may not create it there"):
        run(engine, make_request(KIND, *files, principal=theirs, now=T2))
    with pytest.raises(ImportRefused):
        run(engine, make_request(KIND, *files, principal=theirs, partner_id=partner, now=T2))
    with engine.connect() as connection:
        assert row_counts(connection) == before


# --- Scale -------------------------------------------------------------------------------------


def large_export(folder: Path, count: int, per_page: int = 10_000) -> list[Path]:
    """The SKUs and `count` users, written as text: generating them must not dominate."""
    licenses = (
        f'[{{"skuId":"{E3}","disabledPlans":[]}}]',
        f'[{{"skuId":"{E5}","disabledPlans":["{TEAMS}"]}}]',
        f'[{{"skuId":"{E3}","disabledPlans":[]}},{{"skuId":"{VISIO}","disabledPlans":[]}}]',
    )
    prefix, context = str(TENANT)[:24], "https://graph.microsoft.com/v1.0/$metadata#users"
    files = Export().write(folder, pages=0)
    for first in range(0, count, per_page):
        items = ",\n".join(
            f'{{"id":"{prefix}{i:012x}","userPrincipalName":"user{i}@contoso.com",'
            f'"displayName":"User {i}","accountEnabled":true,"assignedLicenses":{licenses[i % 3]}}}'
            for i in range(first, min(first + per_page, count))
        )
        page = folder / f"users-{first // per_page + 1}.json"
        page.write_text(f'{{"@odata.context":"{context}","value":[\n{items}\n]}}', "utf-8")
        files.append(page)
    return files


def test_fifty_thousand_users_import_in_full(
    engine: Engine, partner: int, make_request: RequestFactory, tmp_path: Path
) -> None:
    request = make_request(KIND, *large_export(tmp_path, 50_000), partner_id=partner, now=T1)

    result = run(engine, request)

    assert result == counts(read=50_004, created=50_000 + 4 + 50_000 + 50_000 // 3)


@pytest.fixture
def sqlite_engine(stores: dict[str, Store]) -> Iterator[Engine]:
    """Memory is the importer's own, whatever the store: it is measured once, on SQLite."""
    url = stores["sqlite"].fresh("ledger", migrate)
    made = make_engine(url)
    yield made
    made.dispose()
    stores["sqlite"].drop(url)


def test_memory_grows_with_the_tenant_not_with_the_files(
    sqlite_engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    """tracemalloc slows every allocation tenfold or more, so it watches 10,000 users rather
    than 50,000. The worst case is a re-import, which holds the tenant's whole current state:
    about 0.7 KiB per user and assignment (36 MiB for the 50,000 users above), plus one batch.
    The files themselves are streamed: their size does not count."""
    with sqlite_engine.begin() as connection:
        partner = add_partner(connection, "Contoso Cloud Partners")
    files = large_export(tmp_path, 10_000, per_page=2_500)
    run(sqlite_engine, make_request(KIND, *files, partner_id=partner, now=T1))
    again = make_request(KIND, *files, now=T2)

    gc.collect()
    tracemalloc.start()
    try:
        result = run(sqlite_engine, again)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result == counts(read=10_004)
    assert peak < 12 * 2**20, f"peak {peak / 2**20:.1f} MiB"


def import_landed_then_refused(
    engine: Engine, partner: int, make_request: RequestFactory, tmp_path: Path, users: int
) -> Iterator[str]:
    """Runs an import that lands, then one apply() refuses, then one check() refuses,
    yielding after each."""
    files = Export.generated(users).write(tmp_path / "export")
    run_import(engine, make_request(KIND, *files, partner_id=partner, now=T2), "test", NoProgress())
    yield "landed"
    with pytest.raises(ImportFailed, match="later than this import"):  # apply() refuses it
        run_import(engine, make_request(KIND, *files, now=T1), "test", NoProgress())
    yield "refused by apply()"
    bad = broken(tmp_path / "bad", lambda e: e.users[5].update(id="12345"))
    with pytest.raises(ImportFailed, match="not a GUID"):  # check() refuses it
        run_import(engine, make_request(KIND, *bad, now=T3), "test", NoProgress())
    yield "refused by check()"


def test_the_users_spool_is_closed_whatever_the_import_comes_to(
    engine: Engine,
    partner: int,
    make_request: RequestFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """check() spools the users it parsed to a temporary file: it must be closed when the
    import lands, when apply() refuses it, and when check() itself does."""
    opened: list[Any] = []
    make_file = spool.tempfile.TemporaryFile

    def tracked() -> Any:
        opened.append(make_file())
        return opened[-1]

    monkeypatch.setattr(spool.tempfile, "TemporaryFile", tracked)
    for _ in import_landed_then_refused(engine, partner, make_request, tmp_path, 40):
        pass
    assert len(opened) == 3
    assert all(file.closed for file in opened)


def test_the_collector_leaves_older_objects_alone_only_while_an_import_runs(
    engine: Engine,
    partner: int,
    make_request: RequestFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The runner freezes the heap it found for the import's allocations
    (kit.frozen_heap.heap_frozen) and gives it back to the collector when the import lands or
    fails, at check or apply."""
    frozen_during: list[int] = []
    make_file = spool.tempfile.TemporaryFile

    def watched() -> Any:
        frozen_during.append(gc.get_freeze_count())
        return make_file()

    monkeypatch.setattr(spool.tempfile, "TemporaryFile", watched)
    for _ in import_landed_then_refused(engine, partner, make_request, tmp_path, 10):
        assert gc.get_freeze_count() == 0
    assert len(frozen_during) == 3
    assert all(count > 0 for count in frozen_during)


def test_overlapping_imports_give_the_heap_back_when_the_last_ends() -> None:
    """The server runs imports in threads: one ending must not unfreeze another's heap."""
    first, second = heap_frozen(), heap_frozen()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_freeze_count() > 0
    second.__exit__(None, None, None)
    assert gc.get_freeze_count() == 0
