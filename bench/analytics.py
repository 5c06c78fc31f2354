"""Figure 1 (analytics at scale) and figure 4 (growth): Partner Center's license usage
analytics end to end over HTTP, against the same SQL sent straight to the database.

Beside each query the bench times the app's constant route answering a body of the same
size (bench/constant_app.py: same server, middleware and token check, no query): no answer
can be faster than that plus the database's own time, so `best_possible_ratio` in the notes
is the lowest ratio any implementation behind this HTTP stack could reach. The replay route
(replay_routes.py) measures it: the endpoint's own parameters, the same statements sent
straight to the driver in a transaction like the endpoint's, and a constant body of the answer's
size (`replay_ms`, `replay_ratio`)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.constant_app import CONSTANT_PATHS, VENDOR_PREFIXES
from bench.data import PRODUCTS, UsageData, partner_token, usage_data
from bench.endpoint_paths import SUBSCRIBED_SKUS, USAGE_ANALYTICS
from bench.replay_routes import REPLAY_FILE, replay_of, write_replays
from bench.report import Figure, Report
from bench.scale import ROWS_PER_TENANT_DAY, Scale
from bench.server import serving
from bench.sql_capture import captured_sql_of_each, raw_runner
from bench.stores import database_url, work_file
from bench.timing import turn_about
from licensehub.ledger.database import make_engine

# The constant route under Partner Center's prefix.
CONSTANT = CONSTANT_PATHS[SUBSCRIBED_SKUS]
TARGET = 1.25  # end-to-end time at most 1.25x the database's own
RETIMES = 3  # the fastest-growing query is timed again this many times the scale's repeats


def queries(data: UsageData, top: int = 10_000) -> dict[str, dict[str, str]]:
    one = str(data.tenant_ids[len(data.tenant_ids) // 2])
    rows_per_day = round(data.rows / data.days)
    last_page = (max(rows_per_day - 1, 0) // top) * top
    return {
        "latest date, first page": {"top": str(top)},
        "groupby=customerTenantId": {"groupby": "customerTenantId", "top": str(top)},
        "groupby=productName,workloadCode": {"groupby": "productName,workloadCode"},
        "filter one customerTenantId": {"filter": f"customerTenantId eq '{one}'"},
        "filter with or and parentheses": {
            "filter": "(workloadCode eq 'EXO' or workloadCode eq 'TEAMS') and "
            "(channel eq 'Direct' or productName eq 'Microsoft 365 E5')",
            "top": str(top),
        },
        "last page of a long result": {"top": str(top), "skip": str(last_page)},
    }


def more_queries(data: UsageData) -> dict[str, dict[str, str]]:
    """Shapes beyond figure 1's six, timed for the growth figure alone: each filtered field
    and operator, a filter matching nothing, groupbys with filters, an older date. A plan
    that is slow in the database reads well against its own SQL; it shows as growth."""
    ids = data.tenant_ids
    return {
        "filter customerName": {"filter": "customerName eq 'Customer 00042'"},
        "filter serviceName, top 100": {"filter": "serviceName eq 'Microsoft Teams'", "top": "100"},
        "filter ne, skip 1000": {"filter": "workloadCode ne 'EXO'", "top": "100", "skip": "1000"},
        "filter productId": {"filter": f"productId eq '{PRODUCTS[0][0]}'", "top": "100"},
        "filter matching nothing": {"filter": "productName eq 'No such product'"},
        "filter two tenants": {
            "filter": f"customerTenantId eq '{ids[1]}' or customerTenantId eq '{ids[-2]}'"
        },
        "groupby=workloadCode, filter channel": {
            "groupby": "workloadCode", "filter": "channel eq 'Reseller'"
        },
        "groupby=customerName, filter ne": {
            "groupby": "customerName", "filter": "serviceName ne 'Microsoft Teams'", "top": "100"
        },
        "an older date, first page": {
            "processedDateTime": (data.last_day - timedelta(days=data.days // 2)).isoformat(),
            "top": "100",
        },
    }  # fmt: skip


def measure(
    report: Report,
    store: str,
    url: str,
    data: UsageData,
    scale: Scale,
    label: str,
    more: Mapping[str, dict[str, str]] | None = None,
) -> tuple[dict[str, Figure], dict[str, float]]:
    """Figure 1's queries, each a figure; and, by the same server, the `more` queries' end to
    end milliseconds alone (each the median of the scale's repeats, turn about)."""
    token = token_of(url, data)
    figures = {}
    paths = {name: path_of(params) for name, params in queries(data).items()}
    # One in-process app captures every query's statements.
    each = captured_sql_of_each(url, list(paths.values()), token)
    captured = dict(zip(paths.values(), each, strict=True))
    replay_file = work_file(f"replay-analytics-{store}.pickle")
    write_replays(replay_file, [captured])
    with (
        serving(url, {REPLAY_FILE: str(replay_file)}, bench_app=True) as base,
        httpx.Client(base_url=base, timeout=600) as client,
    ):
        fetch = partial(fetched, client, token)
        for name, path in paths.items():
            statements = captured[path]
            run_sql, close = raw_runner(url, [statements])
            size = len(fetch(path))
            constant = CONSTANT.format(size=size)
            replay = replay_of(path, VENDOR_PREFIXES[USAGE_ANALYTICS], size)
            try:
                ours, theirs, floor, replayed = turn_about(
                    [
                        partial(fetch, path),
                        run_sql,
                        partial(fetch, constant),
                        partial(fetch, replay),
                    ],
                    scale.repeats,
                )
            finally:
                close()
            figure = Figure(
                figure=f"{label}: {name}",
                store=store,
                licensehub=ours * 1000,
                baseline=theirs * 1000,
                unit="ms",
                target=TARGET,
                direction="at_most",
                notes={"usage_rows": data.rows, "tenants": data.tenants, "path": path,
                       "statements": len(statements), "floor_ms": round(floor * 1000, 2),
                       "best_possible_ratio": round((floor + theirs) / theirs, 3),
                       "replay_ms": round(replayed * 1000, 2),
                       "replay_ratio": round(replayed / theirs, 3)},
            )  # fmt: skip
            report.add(figure)
            figures[name] = figure
        more_paths = [path_of(params) for params in (more or {}).values()]
        fetches = [partial(fetch, path) for path in more_paths]
        more_ms = [seconds * 1000 for seconds in turn_about(fetches, scale.repeats)]
    return figures, dict(zip(more or {}, more_ms, strict=True))


def token_of(url: str, data: UsageData) -> str:
    engine = make_engine(url)
    try:
        return partner_token(engine, data.partner_id)
    finally:
        engine.dispose()


def fetched(client: httpx.Client, token: str, path: str) -> bytes:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return response.content


def path_of(params: Mapping[str, str]) -> str:
    return f"{USAGE_ANALYTICS}?{urlencode(params)}"


def ledger(store: str, scale: Scale, rows: int) -> tuple[str, UsageData]:
    tenants = scale.tenants(rows)
    url = database_url(store, f"licensehub_bench_usage_{tenants}x{scale.days}")
    engine = make_engine(url)
    try:
        data = usage_data(engine, tenants, scale.days, ROWS_PER_TENANT_DAY)
    finally:
        engine.dispose()
    return url, data


def analytics_at_scale(report: Report, store: str, scale: Scale) -> None:
    url, data = ledger(store, scale, scale.usage_rows[store])
    measure(report, store, url, data, scale, f"analytics {data.rows / 1e6:.1f}M rows")


def growth(report: Report, store: str, scale: Scale) -> None:
    """Figure 4: the same queries at growing sizes. A single-tenant filter must stay flat
    (at most 1.5x from the smallest to the largest size, an index does the work) and a full
    groupby grow no faster than the rows (time ratio at most the rows ratio). So must every
    other query, figure 1's and more_queries()'s: the fastest-growing one is a figure of its
    own, because a ratio against the query's own SQL cannot show a plan that is slow in the
    database itself (the `or` filter on PostgreSQL took 47x the time for 10x the rows, and
    read 1.00x)."""
    largest = scale.usage_rows[store]
    sizes = sorted({rows for rows in scale.growth_rows if rows < largest} | {largest})
    if len(sizes) < 2:
        return
    timings: dict[int, dict[str, float]] = {}
    ledgers: dict[int, tuple[str, UsageData]] = {}
    for rows in sizes:
        url, data = ledger(store, scale, rows)
        ledgers[data.rows] = url, data
        label = f"growth {rows / 1e6:.1f}M rows"
        figures, more = measure(report, store, url, data, scale, label, more_queries(data))
        timings[data.rows] = {name: figure.licensehub for name, figure in figures.items()}
        timings[data.rows] |= more
    smallest, largest = min(timings), max(timings)
    span = f"growth {smallest / 1e6:.1f}M to {largest / 1e6:.1f}M"
    linear = round(largest / smallest, 2)

    def grown(name: str, label: str, target: float, meaning: str, **notes: Any) -> None:
        report.add(
            Figure(
                figure=f"{span}: {label}",
                store=store,
                licensehub=timings[largest][name],
                baseline=timings[smallest][name],
                unit="ms",
                target=target,
                direction="at_most",
                notes={"meaning": meaning, **notes},
            )
        )

    grown(
        "filter one customerTenantId",
        "one-tenant filter",
        1.5,
        "time at the largest size / time at the smallest",
    )
    grown(
        "groupby=customerTenantId",
        "full groupby",
        linear,
        "time ratio must not exceed the rows ratio (linear)",
    )
    each = {name: timings[largest][name] / timings[smallest][name] for name in timings[largest]}
    fastest = max(each, key=each.__getitem__)
    # The largest of 15 noisy ratios overstates its query's growth by the noise that made it
    # the largest: the winner is timed again, at both sizes turn about, for its figure.
    again = retimed([ledgers[smallest], ledgers[largest]], fastest, RETIMES * scale.repeats)
    timings[smallest][fastest], timings[largest][fastest] = again
    grown(
        fastest,
        f"fastest-growing query ({fastest})",
        linear,
        "the query whose time grew most, timed again: no faster than the rows",
        first_ratio=round(each[fastest], 2),
        each={name: round(ratio, 2) for name, ratio in each.items()},
    )


def retimed(sizes: list[tuple[str, UsageData]], name: str, repeats: int) -> list[float]:
    """End-to-end milliseconds of the query `name` on each ledger, each served at once and
    fetched turn about: drift on a busy machine falls on every size alike."""
    with ExitStack() as stack:
        fetches = []
        for url, data in sizes:
            token = token_of(url, data)
            client = stack.enter_context(
                httpx.Client(base_url=stack.enter_context(serving(url)), timeout=600)
            )
            path = path_of((queries(data) | more_queries(data))[name])
            fetches.append(partial(fetched, client, token, path))
        return [seconds * 1000 for seconds in turn_about(fetches, repeats)]
