"""The active user detail importer: usage numbers as counted by hand, bounded memory, and
every refusal (malformed file, unknown tenant, tenant outside the caller's scope)."""

from __future__ import annotations

import csv
import random
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from structlog.testing import capture_logs

from licensehub.auth.principals import Principal
from licensehub.cli import main
from licensehub.importers.activity import IMPORTER
from licensehub.importers.base import (
    Counts,
    ImportRefused,
    ImportRequest,
    InvalidImport,
    NoProgress,
)
from licensehub.importers.runner import run_import
from licensehub.ledger.tables import (
    license_usage,
    service_plans,
    sku_service_plans,
    skus,
    subscriptions,
    tenants,
)
from licensehub.ledger.workloads import WORKLOADS, workloads_of
from tests.conftest import DEMO_AS_OF, ClientFactory
from tests.importers.conftest import RequestFactory
from tests.shared import SHARED

REFRESH = DEMO_AS_OF - timedelta(days=1)  # the demo already has usage rows for that date
TENANT = "Wide World Importers"
UNKNOWN_PRODUCTS = ("Contoso Widget Suite", "FABRIKAM ANALYTICS PLAN 2")
# The report's own column stems, spelled as Microsoft's documented header spells them.
STEMS = ("Exchange", "OneDrive", "SharePoint", "Skype For Business", "Yammer", "Teams")
HEADER = [
    "Report Refresh Date",
    "User Principal Name",
    "Display Name",
    "Is Deleted",
    "Deleted Date",
    *(f"Has {stem} License" for stem in STEMS),
    *(f"{stem} Last Activity Date" for stem in STEMS),
    *(f"{stem} License Assign Date" for stem in STEMS),
    "Assigned Products",
]
USAGE_DIR = SHARED / "data" / "usage-reports"


@dataclass(frozen=True)
class User:
    """What the importer may read of one generated row, kept for counting by hand."""

    deleted: bool
    licensed: tuple[bool, ...]
    last: tuple[date | None, ...]
    products: tuple[str, ...]


@dataclass(frozen=True)
class Demo:
    tenant: uuid.UUID
    row_id: int
    products: dict[str, tuple[uuid.UUID, frozenset[str]]]  # name -> SKU id, its workloads


def demo_tenant(engine: Engine, name: str = TENANT) -> Demo:
    with engine.connect() as connection:
        tenant = connection.execute(select(tenants).where(tenants.c.name == name)).one()
        held = connection.execute(
            select(skus.c.sku_id, skus.c.product_name, service_plans.c.service_name)
            .join(subscriptions, subscriptions.c.sku_id == skus.c.sku_id)
            .join(sku_service_plans, sku_service_plans.c.sku_id == skus.c.sku_id)
            .join(service_plans)
            .where(subscriptions.c.tenant_id == tenant.id)
        ).all()
    plans: dict[tuple[uuid.UUID, str], set[str]] = {}
    for sku_id, product_name, plan in held:
        plans.setdefault((sku_id, product_name), set()).add(plan)
    products = {
        product_name: (sku_id, frozenset(w.code for w in workloads_of(names)))
        for (sku_id, product_name), names in plans.items()
    }
    return Demo(tenant.tenant_id, tenant.id, products)


def generate(path: Path, demo: Demo, rows: int, seed: int = 7) -> list[User]:
    """A report in the documented format: concealed names on some rows, mixed-case booleans
    and product names, deleted users, unknown products, activity dates around every period."""
    rng = random.Random(seed)
    names = [*sorted(demo.products), *UNKNOWN_PRODUCTS]
    days = [REFRESH - timedelta(days=n) for n in range(901)]
    text: dict[date | None, str] = {day: day.isoformat() for day in days} | {None: ""}
    spellings = [("False", "True"), ("FALSE", "TRUE"), ("false", "true")]

    def some_day(span: int) -> date | None:  # one in eight never active
        return None if rng.random() < 1 / 8 else days[int(rng.random() * span)]

    users = []
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for n in range(rows):
            deleted = rng.random() < 0.05
            licensed = tuple(rng.random() < 0.8 for _ in STEMS)
            last = tuple(some_day(200) for _ in STEMS)
            products = tuple(rng.sample(names, rng.choice((0, 1, 1, 2, 3))))
            users.append(User(deleted, licensed, last, products))
            upn, display = f"user{n}@wideworldimporters.com", f"User {n}"
            if rng.random() < 0.3:  # names concealed as the admin center's privacy setting does
                upn, display = f"{rng.getrandbits(128):032X}", f"{rng.getrandbits(128):032X}"
            spelled = spellings[n % 3]
            assigned = some_day(900)
            writer.writerow(
                [
                    text[REFRESH],
                    upn,
                    display,
                    spelled[deleted],
                    text[days[3]] if deleted else "",
                    *(spelled[has] for has in licensed),
                    *(text[day] for day in last),
                    *(text[assigned] if has else "" for has in licensed),
                    "+".join(p.upper() if rng.random() < 0.5 else p for p in products),
                ]
            )
    return users


def rewrite(report: Path, change: Callable[[list[list[str]]], None]) -> None:
    """The report's lines (its header first), changed in place."""
    with report.open(encoding="utf-8-sig", newline="") as file:
        lines = list(csv.reader(file))
    change(lines)
    with report.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(lines)


def expected(
    demo: Demo, users: list[User], days: int
) -> tuple[dict[tuple[uuid.UUID, str], tuple[int, int]], int]:
    """(active, qualified) by (SKU, workload), and the users of unknown products."""
    active: Counter[tuple[uuid.UUID, str]] = Counter()
    qualified: Counter[tuple[uuid.UUID, str]] = Counter()
    rejected = 0
    for user in users:
        if user.deleted:
            continue
        for product in user.products:
            if product not in demo.products:
                rejected += 1
                continue
            sku_id, licensed_workloads = demo.products[product]
            for workload, licensed, last in zip(WORKLOADS, user.licensed, user.last, strict=True):
                if not licensed or workload.code not in licensed_workloads:
                    continue
                qualified[sku_id, workload.code] += 1
                if last is not None and REFRESH - timedelta(days=days) < last <= REFRESH:
                    active[sku_id, workload.code] += 1
    return {key: (active[key], count) for key, count in qualified.items()}, rejected


def usage(engine: Engine, tenant_row_id: int) -> dict[tuple[uuid.UUID, str], Any]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(license_usage).where(
                license_usage.c.tenant_id == tenant_row_id,
                license_usage.c.processed_date == REFRESH,
            )
        )
        return {(row.product_id, row.workload_code): row for row in rows}


def run(engine: Engine, request: ImportRequest) -> Counts:
    checked = IMPORTER.check(request, NoProgress())
    with engine.begin() as connection:
        return IMPORTER.apply(connection, request, checked, NoProgress())


def assert_usage(
    engine: Engine, demo: Demo, want: dict[tuple[uuid.UUID, str], tuple[int, int]]
) -> None:
    rows = usage(engine, demo.row_id)
    got = {key: (rows[key].licenses_active, rows[key].licenses_qualified) for key in want}
    assert got == want


def test_a_large_report_gives_the_numbers_counted_by_hand_in_bounded_memory(
    demo_engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    demo = demo_tenant(demo_engine)
    report = tmp_path / "activeuserdetail.csv"
    users = generate(report, demo, 50_000)
    want, rejected = expected(demo, users, 30)
    before = usage(demo_engine, demo.row_id)
    request = make_request("activity", report, tenant=demo.tenant)

    tracemalloc.start()
    try:
        with capture_logs() as logs:
            counts = run(demo_engine, request)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    # A list of the rows alone would take well over 100 MB; tallies take kilobytes.
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MB"
    assert counts.read == 50_000
    assert counts.rejected == rejected
    assert any("not counted" in note for note in counts.notes)  # and the summary says why
    assert counts.created + counts.updated == len(want)
    assert counts.removed == 0
    assert_usage(demo_engine, demo, want)
    rows = usage(demo_engine, demo.row_id)
    for key in want:
        row = rows[key]
        name = next(n for n, (sku, _) in demo.products.items() if sku == key[0])
        assert (row.product_name, row.customer_name) == (name.upper(), TENANT.upper())
        assert (row.channel, row.service_code) == ("reseller", "o365")
    # The tenant's other rows of that date (other keys) are left as they were.
    assert all(rows[key] == row for key, row in before.items() if key not in want)
    # Only products that license a workload give rows: none for Power BI Pro, say.
    assert {sku for sku, _ in want} == {
        sku for sku, workloads in demo.products.values() if workloads
    }
    (warning,) = [entry for entry in logs if entry["log_level"] == "warning"]
    assert sorted(map(str.casefold, warning["products"])) == sorted(
        map(str.casefold, UNKNOWN_PRODUCTS)
    )


def test_the_period_decides_who_is_active(
    demo_engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    demo = demo_tenant(demo_engine)
    report = tmp_path / "report.csv"
    users = generate(report, demo, 3_000, seed=11)
    week, quarter = expected(demo, users, 7)[0], expected(demo, users, 90)[0]
    assert week.keys() == quarter.keys()
    assert all(0 < week[key][0] < quarter[key][0] for key in week)
    run(demo_engine, make_request("activity", report, tenant=demo.tenant, period="D7"))
    assert_usage(demo_engine, demo, week)
    counts = run(demo_engine, make_request("activity", report, tenant=demo.tenant, period="d90"))
    assert counts.updated == len(quarter)
    assert_usage(demo_engine, demo, quarter)


def test_importing_the_same_report_twice_changes_nothing(
    demo_engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    demo = demo_tenant(demo_engine)
    report = tmp_path / "report.csv"
    generate(report, demo, 2_000)
    request = make_request("activity", report, tenant=demo.tenant)
    first = run(demo_engine, request)
    rows = usage(demo_engine, demo.row_id)
    again = run(demo_engine, request)
    assert first.changed
    assert (again.created, again.updated, again.read) == (0, 0, 2_000)
    assert usage(demo_engine, demo.row_id) == rows


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Teams Last Activity Date", "2026-02-30", "not a date"),
        ("Has Teams License", "Maybe", "not True or False"),
        ("Is Deleted", "", "not True or False"),
        ("Report Refresh Date", "2026-11-19", "differs from the report's 2026-11-20"),
    ],
)
def test_a_report_broken_at_its_last_line_is_refused_before_any_write(
    demo_engine: Engine,
    make_request: RequestFactory,
    tmp_path: Path,
    column: str,
    value: str,
    message: str,
) -> None:
    demo = demo_tenant(demo_engine)
    report = tmp_path / "broken.csv"
    generate(report, demo, 1_000)
    rewrite(report, lambda lines: lines[-1].__setitem__(HEADER.index(column), value))
    before = usage(demo_engine, demo.row_id)

    with pytest.raises(InvalidImport) as caught:
        IMPORTER.check(make_request("activity", report, tenant=demo.tenant), NoProgress())

    assert (caught.value.file, caught.value.location) == ("broken.csv", "line 1001")
    assert message in caught.value.message
    assert usage(demo_engine, demo.row_id) == before


def test_a_header_naming_a_column_twice_is_refused_by_the_api_and_the_cli(
    demo_url: str, demo_engine: Engine, make_client: ClientFactory, tmp_path: Path
) -> None:
    """Which of two "Teams Last Activity Date" columns holds the dates cannot be told: the
    import is refused as a bad header, not read from either one."""
    demo = demo_tenant(demo_engine)
    report = tmp_path / "twice.csv"
    generate(report, demo, 10)
    teams = "Teams Last Activity Date"
    rewrite(report, lambda lines: lines[0].__setitem__(HEADER.index("Display Name"), teams))
    before = usage(demo_engine, demo.row_id)
    message = "twice.csv at line 1: column(s) named more than once: Teams Last Activity Date"

    env = {"LICENSEHUB_DATABASE_URL": demo_url}
    command = ["import", "activity", str(report), "--tenant", str(demo.tenant)]
    refused = CliRunner().invoke(main, command, env=env)
    assert refused.exit_code == 1
    assert message in " ".join(refused.output.split())

    token = CliRunner().invoke(main, ["token", "create", "--write"], env=env).stdout.strip()
    with make_client(demo_url) as client:
        response = client.post(
            f"/imports/activity?tenant={demo.tenant}&filename=twice.csv",
            content=report.read_bytes(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
        )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert message in response.json()["detail"]
    assert response.json()["errors"][0]["location"] == "line 1"
    assert usage(demo_engine, demo.row_id) == before


@pytest.mark.skipif(not USAGE_DIR.exists(), reason="../shared/data is not beside this checkout")
def test_the_real_cli_microsoft365_sample_is_refused(make_request: RequestFactory) -> None:
    # Its one row has 26 fields: seven activity and seven assign dates where the header has
    # six of each. Which one is extra cannot be told, so no reading of it is defensible.
    sample = USAGE_DIR / "cli-microsoft365_docs_report-activeuserdetail.csv"
    with pytest.raises(InvalidImport) as caught:
        IMPORTER.check(make_request("activity", sample, tenant=uuid.uuid4()), NoProgress())
    assert caught.value.location == "line 2"
    assert "26 fields where the header has 24" in caught.value.message


def test_a_report_without_rows_imports_nothing(
    demo_engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    header = USAGE_DIR / "graph-docs_getOffice365ActiveUserDetail_header.csv"
    if header.exists():  # the documented header is the one the generated reports use
        assert header.read_text(encoding="utf-8-sig").strip() == ",".join(HEADER)
    else:
        header = tmp_path / "header.csv"
        header.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    demo = demo_tenant(demo_engine)
    before = usage(demo_engine, demo.row_id)
    counts = run(demo_engine, make_request("activity", header, tenant=demo.tenant))
    assert replace(counts, tenant_id=None) == Counts()
    assert usage(demo_engine, demo.row_id) == before


def test_a_product_name_with_a_plus_and_an_unknown_product_on_one_row(
    demo_engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    demo = demo_tenant(demo_engine)
    report = tmp_path / "report.csv"
    rows = [
        # Licensed for Exchange only, active two days ago.
        [REFRESH, "A", "B", "False", "", "True", *["False"] * 5, "2026-11-18", *[""] * 11],
        [REFRESH, "C", "D", "FALSE", "", "true", *["false"] * 5, "2026-10-01", *[""] * 11],
    ]
    products = "ENTERPRISE MOBILITY + SECURITY E3+Office 365 E3+Contoso Widget Suite"
    with report.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([HEADER, *([*row, products] for row in rows)])
    counts = run(demo_engine, make_request("activity", report, tenant=demo.tenant))
    office_e3 = demo.products["Office 365 E3"][0]
    # EMS was matched (else its users would be rejected too) but licenses no workload.
    assert (counts.rejected, counts.created, counts.updated) == (2, 0, 1)
    row = usage(demo_engine, demo.row_id)[office_e3, "EXO"]
    assert (row.licenses_active, row.licenses_qualified) == (1, 2)


def test_of_several_skus_of_one_name_the_tenants_own_is_counted(
    demo_engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    demo = demo_tenant(demo_engine)
    twins = {"Microsoft 365 E3": uuid.uuid4(), "Contoso Widget Suite": uuid.uuid4()}
    with demo_engine.begin() as connection:  # Microsoft's catalog has such twins (per cloud)
        for name, sku_id in [*twins.items(), ("Contoso Widget Suite", uuid.uuid4())]:
            connection.execute(
                skus.insert().values(sku_id=sku_id, sku_part_number="TWIN", product_name=name)
            )
    report = tmp_path / "report.csv"
    row = [REFRESH, "A", "B", "False", "", *["True"] * 6, *[""] * 12]
    with report.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([HEADER, [*row, "Microsoft 365 E3+Contoso Widget Suite"]])
    counts = run(demo_engine, make_request("activity", report, tenant=demo.tenant))
    assert counts.rejected == 1  # two Contoso Widget Suites, neither the tenant's
    rows = usage(demo_engine, demo.row_id)
    assert rows[demo.products["Microsoft 365 E3"][0], "EXO"].licenses_qualified == 1
    assert not any(sku == twins["Microsoft 365 E3"] for sku, _ in rows)


def test_a_tenant_unknown_or_outside_the_scope_is_refused(
    demo_engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    demo, other = demo_tenant(demo_engine), demo_tenant(demo_engine, "Northwind Traders")
    report = tmp_path / "report.csv"
    generate(report, demo, 100)
    with pytest.raises(ImportRefused, match="no tenant"):
        run(demo_engine, make_request("activity", report, tenant=uuid.uuid4()))
    stranger = Principal(id=0, kind="customer", name="c", tenant_id=other.row_id)
    with pytest.raises(ImportRefused, match="within your scope"):
        run(demo_engine, make_request("activity", report, tenant=demo.tenant, principal=stranger))
    own = Principal(id=0, kind="customer", name="c", tenant_id=demo.row_id)
    counts = run(demo_engine, make_request("activity", report, tenant=demo.tenant, principal=own))
    assert counts.read == 100


def test_a_request_without_tenant_or_with_an_unknown_period_is_refused(
    make_request: RequestFactory, tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    report.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="--tenant"):
        IMPORTER.check(make_request("activity", report), NoProgress())
    with pytest.raises(ImportRefused, match="D7, D30, D90, D180"):
        IMPORTER.check(
            make_request("activity", report, tenant=uuid.uuid4(), period="D14"), NoProgress()
        )


def test_the_progress_bar_ends_full(
    demo_engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    """The runner's bar counts each file twice (check, then writes); a report's writes read
    nothing again, so the runner fills the second half when they are done."""
    demo = demo_tenant(demo_engine)
    report = tmp_path / "report.csv"
    generate(report, demo, 300)
    advanced: list[int] = []

    class Bar:
        def advance(self, nbytes: int) -> None:
            advanced.append(nbytes)

    run_import(demo_engine, make_request("activity", report, tenant=demo.tenant), "test", Bar())
    assert sum(advanced) == 2 * report.stat().st_size
