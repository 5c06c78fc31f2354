"""GET /partner/v1/analytics/commercial/usage/license on the demo ledger, checked against
numbers computed here from the rows themselves."""

from __future__ import annotations

import gc
import uuid
from collections import defaultdict
from contextlib import ExitStack
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pydantic_core
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.dialects import sqlite as sqlite_dialect

from licensehub.auth.keys import load_keys
from licensehub.auth.principals import Principal, create_principal
from licensehub.auth.tenant_scope import TenantScope
from licensehub.auth.tokens import issue_access_token
from licensehub.kit.dependencies import Turn
from licensehub.ledger.tables import license_usage, tenants
from licensehub.partner_center import analytics, usage
from tests.conftest import DEMO_AS_OF
from tests.query_plans import sqlite_reads

PATH = "/partner/v1/analytics/commercial/usage/license"
LATEST = DEMO_AS_OF - timedelta(days=1)
FIELDS = (
    "workloadCode", "workloadName", "serviceCode", "serviceName", "channel",
    "customerTenantId", "customerName", "productId", "productName",
)  # fmt: skip


def all_rows(engine: Engine, day: Any = LATEST) -> list[dict[str, Any]]:
    """Every usage row of the day, in the API's field names, straight from the tables."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(license_usage, tenants.c.tenant_id.label("guid"))
            .join(tenants, tenants.c.id == license_usage.c.tenant_id)
            .where(license_usage.c.processed_date == day)
        ).all()
    return [
        {
            "workloadCode": r.workload_code,
            "workloadName": r.workload_name,
            "serviceCode": r.service_code,
            "serviceName": r.service_name,
            "channel": r.channel,
            "customerTenantId": str(r.guid),
            "customerName": r.customer_name,
            "productId": str(r.product_id),
            "productName": r.product_name,
            "licensesActive": r.licenses_active,
            "licensesQualified": r.licenses_qualified,
        }
        for r in rows
    ]


def key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (row["customerTenantId"], row["productId"], row["workloadCode"])


def fetch_all(api: TestClient, **params: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every row, following @nextLink: (rows, the pages' envelopes)."""
    rows: list[dict[str, Any]] = []
    envelopes = []
    response = api.get(PATH, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        envelopes.append(body)
        rows += body["Value"]
        if "@nextLink" not in body:
            return rows, envelopes
        response = api.get(body["@nextLink"])


def test_the_documented_example_replays(api: TestClient) -> None:
    response = api.get(
        PATH,
        params={"filter": "customerTenantId eq '0112A436-B14E-4888-967B-CA4BB2CF1234'"},
        headers={
            "Accept": "application/json",
            "MS-CorrelationId": "aaaa0000-bb11-2222-33cc-444444dddddd",
        },
    )
    assert response.status_code == 200
    assert response.headers["MS-CorrelationId"] == "aaaa0000-bb11-2222-33cc-444444dddddd"
    body = response.json()
    assert body["TotalCount"] == 2
    assert "@nextLink" not in body
    by_workload = {row["workloadCode"]: row for row in body["Value"]}
    assert by_workload["SPO"] | {"customerTenantId": "x", "productId": "x"} == {
        "processedDateTime": f"{LATEST.isoformat()}T00:00:00",
        "workloadCode": "SPO",
        "workloadName": "SharePoint",
        "serviceCode": "o365",
        "serviceName": "Microsoft Office 365",
        "channel": "reseller",
        "customerTenantId": "x",
        "customerName": "TEST COMPANY",
        "productId": "x",
        "productName": "OFFICE 365 ENTERPRISE E3",
        "licensesActive": 0,
        "licenseActive": 0,
        "licensesQualified": 1,
    }
    assert uuid.UUID(by_workload["SPO"]["customerTenantId"]) == uuid.UUID(
        "0112A436-B14E-4888-967B-CA4BB2CF1234"
    )
    assert uuid.UUID(by_workload["EXO"]["productId"]) == uuid.UUID(
        "45A2423B-E884-448D-A831-D9E139C52D2F"
    )


def test_paging_walks_every_row_once(api: TestClient, demo_engine: Engine) -> None:
    expected = all_rows(demo_engine)
    rows, envelopes = fetch_all(api, top=97)
    assert len(envelopes) == -(-len(expected) // 97) > 3
    assert all(envelope["TotalCount"] == len(expected) for envelope in envelopes)
    assert sorted(map(key, rows)) == sorted(map(key, expected))
    assert len(set(map(key, rows))) == len(rows)  # no row twice
    by_key = {key(row): row for row in expected}
    for row in rows:
        assert row["licensesQualified"] == by_key[key(row)]["licensesQualified"]
        assert row["licensesActive"] == row["licenseActive"] == by_key[key(row)]["licensesActive"]


def test_the_default_page_is_ten_thousand_rows(api: TestClient, demo_engine: Engine) -> None:
    body = api.get(PATH).json()
    assert len(body["Value"]) == min(10_000, len(all_rows(demo_engine)))


def test_next_links_keep_the_query_and_pin_the_date(api: TestClient) -> None:
    body = api.get(
        PATH, params={"top": 5, "filter": "workloadCode eq 'EXO'", "groupby": "customerTenantId"}
    ).json()
    link = urlsplit(body["@nextLink"])
    query = {name: values[0] for name, values in parse_qs(link.query).items()}
    assert link.scheme == "http"
    assert link.netloc == "testserver"
    assert query == {
        "top": "5",
        "skip": "5",
        "filter": "workloadCode eq 'EXO'",
        "groupby": "customerTenantId",
        "processedDateTime": LATEST.isoformat(),
    }


def evaluate(row: dict[str, Any], field: str, value: str) -> bool:
    if field in ("customerTenantId", "productId"):
        return uuid.UUID(row[field]) == uuid.UUID(value)
    return str(row[field]).lower() == value.lower()


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("workloadCode eq 'SFB'", lambda r: evaluate(r, "workloadCode", "SFB")),
        (
            "workloadCode eq 'SFB' or (channel eq 'Reseller')",
            lambda r: evaluate(r, "workloadCode", "SFB") or evaluate(r, "channel", "Reseller"),
        ),
        (
            "productName eq 'office 365 enterprise e3' and workloadCode ne 'EXO'",
            lambda r: (
                evaluate(r, "productName", "OFFICE 365 ENTERPRISE E3")
                and not evaluate(r, "workloadCode", "EXO")
            ),
        ),
        (
            "(workloadCode eq 'TEAMS' or workloadCode eq 'YAM') and customerName ne 'TEST COMPANY'",
            lambda r: (
                (evaluate(r, "workloadCode", "TEAMS") or evaluate(r, "workloadCode", "YAM"))
                and not evaluate(r, "customerName", "TEST COMPANY")
            ),
        ),
    ],
)
def test_filters_select_what_they_say(
    api: TestClient, demo_engine: Engine, text: str, predicate: Any
) -> None:
    expected = sorted(key(row) for row in all_rows(demo_engine) if predicate(row))
    rows, _ = fetch_all(api, filter=text)
    assert sorted(map(key, rows)) == expected
    assert expected


@pytest.mark.parametrize(
    "groupby", ["customerTenantId", "productName,workloadCode", "channel", "WORKLOADNAME"]
)
def test_groupby_sums_match(api: TestClient, demo_engine: Engine, groupby: str) -> None:
    fields = [next(f for f in FIELDS if f.lower() == g.lower()) for g in groupby.split(",")]
    sums: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
    for row in all_rows(demo_engine):
        group = sums[tuple(str(row[f]) for f in fields)]
        group[0] += row["licensesActive"]
        group[1] += row["licensesQualified"]
    rows, _ = fetch_all(api, groupby=groupby, top=7)
    assert all(
        set(row) == {*fields, "licensesActive", "licenseActive", "licensesQualified"}
        for row in rows
    )
    got = {
        tuple(str(row[f]) for f in fields): [row["licensesActive"], row["licensesQualified"]]
        for row in rows
    }
    assert got == dict(sums)


def test_another_processing_date(api: TestClient, demo_engine: Engine) -> None:
    day = LATEST - timedelta(days=30)
    for spelled in (day.isoformat(), f"{day.isoformat()}T00:00:00", f"{day.isoformat()}T00:00:00Z"):
        body = api.get(PATH, params={"processedDateTime": spelled}).json()
        assert body["TotalCount"] == len(all_rows(demo_engine, day))
        assert {row["processedDateTime"] for row in body["Value"]} == {
            f"{day.isoformat()}T00:00:00"
        }
    assert api.get(PATH, params={"processedDateTime": "1999-01-01"}).json() == {
        "Value": [], "TotalCount": 0
    }  # fmt: skip


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"top": "10001"}, "top"),
        ({"top": "0"}, "top"),
        ({"top": "ten"}, "top"),
        ({"skip": "-1"}, "skip"),
        ({"skip": "x"}, "skip"),
        ({"groupby": "workloadCode,price"}, "price"),
        ({"processedDateTime": "yesterday"}, "processedDateTime"),
        ({"filter": "price eq '1'"}, "price"),
        ({"filter": "workloadCode eq 'SFB' or (channel eq 'Reseller'"}, "column"),
        ({"filter": "workloadCode = 'SFB'"}, "column"),
        ({"filter": "customerTenantId eq 'not-a-guid'"}, "GUID"),
    ],
)
def test_bad_parameters_are_400_saying_where(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, params: dict[str, str], names: str
) -> None:
    opened: list[Turn] = []
    reading = Turn.reading

    def spied(turn: Turn, **options: Any) -> Any:
        opened.append(turn)
        return reading(turn, **options)

    monkeypatch.setattr(Turn, "reading", spied)
    response = api.get(PATH, params=params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "description", "data", "source"}
    assert names in body["description"]
    assert opened == []  # bad input never opens a transaction
    assert api.get(PATH, params={"top": "1"}).status_code == 200
    assert len(opened) == 1  # the spy does see the endpoint's transaction


def test_a_customer_sees_only_its_own_rows_whatever_the_filter(
    api: TestClient, demo_engine: Engine, world: Any
) -> None:
    headers = world.headers(world.customer_a)
    own, _ = fetch_all_as(api, headers)
    assert {row["customerTenantId"] for row in own} == {str(world.a.tenant_id)}
    other = api.get(
        PATH, headers=headers, params={"filter": f"customerTenantId eq '{world.b.tenant_id}'"}
    ).json()
    assert other == {"Value": [], "TotalCount": 0}
    b = world.b.tenant_id
    either = api.get(
        PATH,
        headers=headers,
        params={"filter": f"customerTenantId eq '{b}' or customerTenantId ne '{b}'"},
    ).json()
    assert {row["customerTenantId"] for row in either["Value"]} == {str(world.a.tenant_id)}


def fetch_all_as(api: TestClient, headers: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    body = api.get(PATH, headers=headers).json()
    return body["Value"], body["TotalCount"]


def test_the_default_date_is_the_newest_the_caller_may_see(
    api: TestClient, demo_engine: Engine, world: Any
) -> None:
    """A later date of another partner's tenant is not the default of a caller who cannot
    see it: it falls back to its own tenants' newest date."""
    later = LATEST + timedelta(days=5)
    with demo_engine.begin() as connection:
        row = connection.execute(
            select(license_usage).where(
                license_usage.c.tenant_id == world.b.id, license_usage.c.processed_date == LATEST
            )
        ).first()
        assert row is not None
        moved = {**row._mapping, "processed_date": later}
        del moved["id"]
        connection.execute(license_usage.insert().values(moved))

    def default_dates(token: str) -> set[str]:
        rows, _ = fetch_all_as(api, world.headers(token))
        return {r["processedDateTime"] for r in rows}

    assert default_dates(world.operator) == {f"{later.isoformat()}T00:00:00"}
    for token in (world.partner_a, world.customer_a):  # tenant B is not theirs
        assert default_dates(token) == {f"{LATEST.isoformat()}T00:00:00"}


@pytest.mark.parametrize("groupby", [None, "customerTenantId,productName"])
def test_streamed_and_short_pages_answer_alike(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, groupby: str | None
) -> None:
    """A page of one batch is read inline, its rows joined into one text by the database;
    longer ones stream from a server-side cursor, row by row in the statement's ORDER BY.
    Both give the same rows in the same order."""
    params = {"top": "47", "skip": "3"} | ({"groupby": groupby} if groupby else {})
    inline = api.get(PATH, params=params)
    monkeypatch.setattr(analytics, "STREAM_BATCH", 10)  # now the page takes 10 batches
    streamed = api.get(PATH, params=params)
    assert streamed.headers.get("content-length") is None  # chunked: it did stream
    assert inline.headers["content-length"] == str(len(inline.content))
    assert streamed.content == inline.content
    assert streamed.headers["content-type"] == inline.headers["content-type"]
    assert len(inline.json()["Value"]) == 47


@pytest.mark.parametrize("groupby", [None, "customerTenantId,productName"])
def test_pages_are_compact_json_on_every_store(api: TestClient, groupby: str | None) -> None:
    """The database writes each row's JSON (kit/json_rows.py): on both stores it is the compact
    text pydantic writes, in the documented field order."""
    params = {"top": "50"} | ({"groupby": groupby} if groupby else {})
    response = api.get(PATH, params=params)
    assert response.status_code == 200
    rows = response.json()["Value"]
    assert rows
    assert response.content == pydantic_core.to_json(response.json())
    if groupby is None:
        counts = ["licensesActive", "licensesQualified", "licenseActive"]
        assert list(rows[0]) == ["processedDateTime", *FIELDS, *counts]


def test_an_empty_answer_is_json_like_any_other(
    api: TestClient, demo_engine: Engine, world: Any
) -> None:
    """With nothing processed that the caller may see, the answer is empty, and says so in
    the same content type as every other answer."""
    full = api.get(PATH, params={"top": "1"})
    empty_day = api.get(PATH, params={"processedDateTime": "1999-01-01"})
    with demo_engine.begin() as connection:
        connection.execute(license_usage.delete().where(license_usage.c.tenant_id == world.a.id))
    customer = api.get(PATH, headers=world.headers(world.customer_a))
    with demo_engine.begin() as connection:
        connection.execute(license_usage.delete())
    operator = api.get(PATH)
    for response in (empty_day, customer, operator):
        assert response.status_code == 200
        assert response.json() == {"Value": [], "TotalCount": 0}
        assert response.headers["content-type"] == analytics.JSON_UTF8
        assert response.content == empty_day.content
    assert full.headers["content-type"] == analytics.JSON_UTF8


@pytest.mark.parametrize("batch", [analytics.MAX_TOP, 10], ids=["inline", "streamed"])
def test_the_count_and_the_page_come_from_one_snapshot(
    api: TestClient, demo_engine: Engine, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """An import that commits after the count changes neither the count nor the page: a
    page read inline comes with the count, and one streamed comes from a statement of its
    own, which PostgreSQL's default READ COMMITTED would show the new row, and so would a
    transaction of its own on either store."""
    monkeypatch.setattr(analytics, "STREAM_BATCH", batch)
    before = len(all_rows(demo_engine))
    assert 10 < before < analytics.MAX_TOP  # one page holds the day, in one batch or many
    with demo_engine.connect() as connection:
        row = connection.execute(
            select(license_usage).where(license_usage.c.processed_date == LATEST)
        ).first()
    assert row is not None
    late = {**row._mapping, "workload_code": "ZZZ", "workload_name": "Late"}
    del late["id"]
    committed: list[str] = []

    def commit_after_the_count(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not committed and "COUNT(*)" in statement.upper():  # the statement that counts
            with demo_engine.begin() as other:  # another connection, another pool
                other.execute(license_usage.insert().values(late))
            committed.append(statement)

    app_engine = api.app.state.engine  # type: ignore[attr-defined]
    event.listen(app_engine, "after_cursor_execute", commit_after_the_count)
    try:
        response = api.get(PATH)
    finally:
        event.remove(app_engine, "after_cursor_execute", commit_after_the_count)
    assert committed, "the count was never seen"
    assert (response.headers.get("content-length") is None) == (batch == 10)
    body = response.json()
    assert body["TotalCount"] == len(body["Value"]) == before
    assert "ZZZ" not in {r["workloadCode"] for r in body["Value"]}
    assert app_engine.pool.checkedout() == 0  # the stream, too, ended its transaction
    after = api.get(PATH).json()  # the row was there for the next reader
    assert after["TotalCount"] == len(after["Value"]) == before + 1


@pytest.mark.parametrize("read", [0, 2], ids=["unread", "halfway"])
def test_a_dropped_stream_ends_its_transaction(
    demo_engine: Engine, world: Any, monkeypatch: pytest.MonkeyPatch, read: int
) -> None:
    """A client that goes away leaves its stream unfinished: the cursor, the transaction and
    the turn are given back all the same, with no cursor left for the collector to find."""
    monkeypatch.setattr(analytics, "STREAM_BATCH", 10)
    scope = TenantScope(Principal(id=0, name="op", kind="operator"))
    query = usage.UsageQuery(LATEST, None, (), analytics.MAX_TOP, 0)
    turn = Turn(demo_engine)
    with ExitStack() as transaction:
        ledger = transaction.enter_context(turn.reading(snapshot=True))
        page, values = usage.page(scope, query), usage.parameters(scope, query)
        chunks = analytics.stream(transaction.pop_all(), ledger, page, values, 1, None)
    for _ in range(read):
        assert next(chunks)
    assert demo_engine.pool.checkedout() == 1
    if read:
        chunks.close()
    del chunks, ledger
    gc.collect()
    assert demo_engine.pool.checkedout() == 0
    with turn.reading() as ledger:  # the turn is free again
        assert ledger.in_transaction()


def page_of(api: TestClient, **params: Any) -> Any:
    response = api.get(PATH, params=params)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(
    ("top", "from_end"),
    [(9, None), (10, None), (11, None), (20, None), (21, None), (None, 10), (None, 11)],
)
def test_pages_around_the_stream_batch(
    api: TestClient,
    demo_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    top: int | None,
    from_end: int | None,
) -> None:
    """With batches of 10, a page of 10 rows (by top, or by what is left after skip) is read
    inline and one of 11 streams, 20 and 21 stream in whole and partial batches: every body
    is the JSON the inline reader writes, with the same rows and TotalCount."""
    total = len(all_rows(demo_engine))
    params: dict[str, Any] = {"top": top} if top else {"skip": total - (from_end or 0)}
    expected = page_of(api, **params)
    rows = len(expected.json()["Value"])
    assert rows == (top or from_end)
    monkeypatch.setattr(analytics, "STREAM_BATCH", 10)
    got = page_of(api, **params)
    assert (got.headers.get("content-length") is None) == (rows > 10)  # streamed past 10
    assert got.headers["content-type"] == analytics.JSON_UTF8
    body = got.json()
    assert body == expected.json()
    assert body["TotalCount"] == total
    assert len(body["Value"]) == rows
    assert ("@nextLink" in body) == (top is not None)
    assert got.content == expected.content


@pytest.mark.parametrize("groupby", [None, "customerTenantId"])
def test_skipping_past_the_end_is_an_empty_page_that_still_counts(
    api: TestClient, groupby: str | None
) -> None:
    grouped = {"groupby": groupby} if groupby else {}
    total = page_of(api, top=1, **grouped).json()["TotalCount"]
    assert total > 1
    for skip in (total, total + 1, analytics.MAX_SKIP):
        body = page_of(api, skip=skip, **grouped).json()
        assert body == {"Value": [], "TotalCount": total}  # and no @nextLink
    last = page_of(api, skip=total - 1, **grouped).json()
    assert len(last["Value"]) == 1
    assert last["TotalCount"] == total


def test_a_partner_gets_the_newest_date_of_its_own_tenants(
    api: TestClient, demo_engine: Engine, world: Any
) -> None:
    """The default date for a partner: the newest date of all when one of its tenants has
    rows on it (the fast path), else the newest of its own tenants' dates, even when that is
    one tenant's and newer than the rest of the partner's."""
    newest, own = LATEST + timedelta(days=5), LATEST + timedelta(days=2)
    with demo_engine.begin() as connection:
        for tenant, day in ((world.b, newest), (world.a, own)):
            row = connection.execute(
                select(license_usage).where(
                    license_usage.c.tenant_id == tenant.id,
                    license_usage.c.processed_date == LATEST,
                )
            ).first()
            assert row is not None
            moved = {**row._mapping, "processed_date": day}
            del moved["id"]
            connection.execute(license_usage.insert().values(moved))
        keys = load_keys(connection, None)
        partner_b = create_principal(connection, "pb", partner_id=world.b.partner_id)
        partner_b_token = issue_access_token(keys, partner_b, timedelta(hours=1))[0]

    def default_page(token: str) -> tuple[set[str], int]:
        body = api.get(PATH, headers=world.headers(token)).json()
        return {r["processedDateTime"] for r in body["Value"]}, body["TotalCount"]

    assert default_page(world.operator) == ({f"{newest.isoformat()}T00:00:00"}, 1)
    assert default_page(partner_b_token) == ({f"{newest.isoformat()}T00:00:00"}, 1)
    assert default_page(world.partner_a) == ({f"{own.isoformat()}T00:00:00"}, 1)
    assert default_page(world.customer_a) == ({f"{own.isoformat()}T00:00:00"}, 1)


def test_a_query_shapes_statement_is_built_once_per_filter_text() -> None:
    """Requests with the same filter text and groupby share one statement (the day, page and
    principal are bound parameters); another filter, groupby or kind of principal gets its
    own."""
    partner = TenantScope(Principal(id=0, name="p", kind="partner", partner_id=1))
    other_partner = TenantScope(Principal(id=1, name="q", kind="partner", partner_id=2))
    operator = TenantScope(Principal(id=2, name="op", kind="operator"))
    text = "channel eq 'Reseller' and (workloadCode eq 'EXO' or workloadCode eq 'SPO')"
    first = usage.UsageQuery(LATEST, text, (), 100, 0)
    later = usage.UsageQuery(LATEST - timedelta(days=3), text, (), 10, 20)
    assert usage.page(partner, first) is usage.page(other_partner, later)
    assert usage.page(partner, first) is not usage.page(operator, first)
    others = [
        usage.UsageQuery(LATEST, text.replace("SPO", "TEAMS"), (), 100, 0),
        usage.UsageQuery(LATEST, text, ("channel",), 100, 0),
        usage.UsageQuery(LATEST, None, (), 100, 0),
    ]
    assert all(usage.page(partner, other) is not usage.page(partner, first) for other in others)


def test_a_long_filters_statement_is_built_per_request() -> None:
    """A cached statement holds its filter's values: long filters are not kept."""
    partner = TenantScope(Principal(id=0, name="p", kind="partner", partner_id=1))
    names = " or ".join(f"customerName eq 'customer {n}'" for n in range(20))
    assert len(names) > usage.CACHED_FILTER_LENGTH
    query = usage.UsageQuery(LATEST, names, (), 100, 0)
    assert usage.page(partner, query) is not usage.page(partner, query)
    sqlite = sqlite_dialect.dialect()
    assert str(usage.page(partner, query).compile(dialect=sqlite)) == str(
        usage.page(partner, query).compile(dialect=sqlite)
    )


@pytest.mark.parametrize("groupby", [(), ("productName",)])
def test_a_one_tenant_page_reads_that_tenants_rows_alone(
    demo_engine: Engine, groupby: tuple[str, ...]
) -> None:
    """SQLite has no statistics: a one-tenant filter must still probe that tenant's rows of
    the day, never walk the partner's whole day and test each row's tenant. It did, once the
    page was read inside the count's statement (0.7 ms became 370 ms at 2 M rows)."""
    if demo_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's planner has statistics")
    partner = TenantScope(Principal(id=0, name="p", kind="partner", partner_id=1))
    query = usage.UsageQuery(LATEST, f"customerTenantId eq '{uuid.uuid4()}'", groupby, 100, 0)
    build = usage.grouped_of if groupby else usage.page_text_of
    reads = sqlite_reads(demo_engine, usage.shaped(build, partner, query))
    usage_reads = [step for step in reads if " license_usage " in f"{step} "]
    assert usage_reads, reads
    assert all("(tenant_id=? AND processed_date=?)" in step for step in usage_reads), reads
