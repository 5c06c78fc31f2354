"""Figure 2: point lookups under load. Four vendor lookups on the analytics ledger's tenants
(with their users, licenses, voice services and backups: lookup_data.py), driven by wrk at
1, 16 and 64 connections, each against a constant body of its own size from the same app,
server, middleware and authentication (constant_app.py), run turn about. The notes add the
floor: the same constant body after a `SELECT 1` in a read transaction, what any lookup pays
before its first query; and the lookup's own SQL, captured from the app and timed through the
bare driver, which with the floor bounds what any lookup sending it could reach at one
connection (`best_possible_ratio`); and the replay route, the lookup's own parameters and SQL
with nothing of licensehub's in between (replay_routes.py): what any implementation of the
lookup on this stack could reach, measured under the same load; and the Core replay, the same
statements through SQLAlchemy's execution, as licensehub must send them."""

from __future__ import annotations

import random
import statistics
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace

import httpx
from sqlalchemy import Engine, func, select

from bench.analytics import ledger
from bench.constant_app import CONSTANT_PATHS, FLOOR_PATHS, VENDOR_PREFIXES
from bench.data import UsageData, partner_token
from bench.endpoint_paths import LICENSE_INFO, LICENSING_INFORMATION, SUBSCRIBED_SKUS, USER_LICENSES
from bench.lookup_data import LookupData, lookup_data
from bench.replay_routes import CORE_MARK, REPLAY_FILE, replay_of, write_replays
from bench.report import Figure, Report
from bench.scale import Scale
from bench.server import serving
from bench.sql_capture import Statement, captured_sql_of_each, raw_runner
from bench.stores import work_file
from bench.timing import paired
from bench.wrk import LoadResult, median_round, run_load
from licensehub.ledger.database import make_engine
from licensehub.ledger.tables import backup_organizations, tenants, users, voice_services

TARGET = 0.6  # lookups per second at least 0.6x the constant body's
SAMPLE = 1000  # different ids per lookup, so that no one row stays hot
SQL_REPEATS = 9
# Each load's seconds are split into rounds, and the lookup, its baseline, floor and replays
# take turns in every round: a figure is the ratio of their median rounds. One after another,
# 15 s each, a slow spell of the shared machine landed on one of them and moved the ratio.
ROUNDS = 5


@dataclass(frozen=True)
class Lookup:
    name: str
    template: str
    paths: list[str]


def lookups(engine: Engine, data: UsageData) -> list[Lookup]:
    chooser = random.Random(20261124)
    with engine.connect() as connection:
        low, high = connection.execute(select(func.min(users.c.id), func.max(users.c.id))).one()
        picked = chooser.sample(range(low, high + 1), min(SAMPLE * 2, high - low + 1))
        held = connection.execute(
            select(tenants.c.tenant_id, users.c.object_id)
            .join(tenants, tenants.c.id == users.c.tenant_id)
            .where(users.c.id.in_(picked), users.c.deleted_at.is_(None))
        ).all()
        services = connection.execute(
            select(voice_services.c.ump_customer_guid).where(
                voice_services.c.ump_customer_guid.is_not(None)
            )
        ).scalars().all()  # fmt: skip
        organizations = connection.execute(select(backup_organizations.c.organization_id))
        organization_ids = organizations.scalars().all()
    return [
        Lookup("user licenses", USER_LICENSES, [
            f"/v1/customers/{tenant}/users/{user}/licenses" for tenant, user in held[:SAMPLE]]),
        Lookup("subscribedskus", SUBSCRIBED_SKUS, [
            f"/v1/customers/{tenant}/subscribedskus" for tenant in some(chooser, data.tenant_ids)]),
        Lookup("licenseinfo", LICENSE_INFO, [
            f"/api/v3/customer/{guid}/licenseinfo" for guid in some(chooser, services)]),
        Lookup("LicensingInformation", LICENSING_INFORMATION, [
            f"/v6/Organizations/{guid}/LicensingInformation"
            for guid in some(chooser, organization_ids)]),
    ]  # fmt: skip


def some(chooser: random.Random, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    return chooser.sample(list(ids), min(SAMPLE, len(ids)))


def body_size(client: httpx.Client, paths: Sequence[str]) -> int:
    """The lookup's mean body size. Reading every path once also warms the server up, and
    writes licenseinfo's records of the day, so that the SQL captured next is what the
    lookup sends under load."""
    sizes = []
    for path in paths:
        response = client.get(path)
        response.raise_for_status()
        sizes.append(len(response.content))
    return round(statistics.mean(sizes))


class BenchServer:
    """The bench app served for a whole store, started again when a run left it stalled
    (licensehub can stall under load: see the notes' "stalled"), so that the next run is
    not charged for the last one."""

    def __init__(self, url: str, authorization: str, env: dict[str, str] | None = None) -> None:
        self.url = url
        self.authorization = authorization
        self.env = env
        self.running = ExitStack()
        self.base = self.start()

    def start(self) -> str:
        return self.running.enter_context(serving(self.url, self.env, bench_app=True))

    def responsive(self) -> bool:
        probe = self.base + CONSTANT_PATHS[LICENSING_INFORMATION].format(size=0)
        try:
            answer = httpx.get(probe, headers={"Authorization": self.authorization}, timeout=3)
        except httpx.TransportError:
            return False
        return answer.status_code == 200

    def load(self, paths: Sequence[str], connections: int, seconds: int) -> LoadResult:
        result = run_load(self.base, paths, self.authorization, connections, seconds)
        if result.failed or not self.responsive():
            self.running.close()
            self.base = self.start()
            return replace(result, stalled=True)
        return result

    def turn_about(
        self, loads: Sequence[Sequence[str]], connections: int, seconds: int
    ) -> list[LoadResult]:
        """Each load (its paths) for `seconds` in all, in rounds taken in turn; median_round
        of each."""
        rounds = max(1, min(ROUNDS, seconds))
        results: list[list[LoadResult]] = [[] for _ in loads]
        # Whole seconds (wrk's -d); the remainder goes to the first rounds, one each.
        lengths = [seconds // rounds + (turn < seconds % rounds) for turn in range(rounds)]
        for length in lengths:
            for paths, taken in zip(loads, results, strict=True):
                taken.append(self.load(paths, connections, length))
        return [median_round(taken) for taken in results]

    def close(self) -> None:
        self.running.close()


def point_lookups(report: Report, store: str, scale: Scale) -> None:
    url, data = ledger(store, scale, scale.usage_rows[store])
    engine = make_engine(url)
    try:
        made = lookup_data(engine, data, scale.lookup_users_per_tenant)
        token = partner_token(engine, data.partner_id)
        to_run = lookups(engine, data)
    finally:
        engine.dispose()
    authorization = f"Bearer {token}"
    # Read by the replay routes at their first request, once the SQL below is captured.
    replay_file = work_file(f"replay-{store}.pickle")
    server = BenchServer(url, authorization, {REPLAY_FILE: str(replay_file)})
    try:
        with httpx.Client(base_url=server.base, headers={"Authorization": authorization}) as client:
            sizes = {lookup.name: body_size(client, lookup.paths) for lookup in to_run}
        sql = {lookup.name: own_sql(url, lookup.paths, token) for lookup in to_run}
        write_replays(replay_file, [sql[lookup.name].captured for lookup in to_run])
        for lookup in to_run:
            size = sizes[lookup.name]
            constant = CONSTANT_PATHS[lookup.template].format(size=size)
            floor = FLOOR_PATHS[lookup.template].format(size=size, guid=data.tenant_ids[0])
            prefix = VENDOR_PREFIXES[lookup.template]
            real = sql[lookup.name].captured
            replays = [replay_of(path, prefix, size) for path in real]
            core_replays = [replay_of(path, prefix, size, CORE_MARK) for path in real]
            for connections in scale.connections:
                ours, theirs, floors, replayed, core_replayed = server.turn_about(
                    [lookup.paths, [constant], [floor], replays, core_replays],
                    connections,
                    scale.load_seconds,
                )
                loads = Loads(ours, theirs, floors, replayed, core_replayed, size, sql[lookup.name])
                report.add(figure(store, lookup, connections, loads, data, made))
    finally:
        server.close()


@dataclass(frozen=True)
class Loads:
    ours: LoadResult  # the lookup
    theirs: LoadResult  # the constant body: the baseline
    floor: LoadResult  # the constant body after SELECT 1 in a read transaction
    replay: LoadResult  # the constant body after the lookup's own SQL, with its parameters
    core_replay: LoadResult  # the same, its SQL sent through SQLAlchemy's execution
    body_bytes: int  # of the lookup's answers on average, and so of the constant body
    sql: OwnSql


@dataclass(frozen=True)
class OwnSql:
    """A lookup's statements, captured from the app and sent again through the bare driver,
    each request's in a transaction of its own, on one connection."""

    statements: float  # per request, on average
    seconds: float  # per request, beyond what a transaction with SELECT 1 takes
    captured: dict[str, list[Statement]]  # each path's statements, in the order sent

    def best_possible(self, floor_per_second: float) -> float | None:
        """Requests a second that no lookup sending these statements can beat at one
        connection, where they add up: the floor (HTTP, token, a transaction with SELECT 1)
        plus the statements' own time. Beyond one connection the server's threads overlap
        one request's statements with another's Python, and no such sum holds."""
        return 1 / (1 / floor_per_second + self.seconds) if floor_per_second else None


def own_sql(url: str, paths: Sequence[str], token: str) -> OwnSql:
    """The SQL of every path (each read once already), timed against as many transactions
    with SELECT 1. All of them, not a sample: the replay cycles through the same ids as the
    lookup, so that neither reads warmer pages than the other."""
    each = captured_sql_of_each(url, paths, token)
    select_one = [[Statement("SELECT 1", ())] for _ in each]
    run, close = raw_runner(url, each)
    run_floor, close_floor = raw_runner(url, select_one)
    try:
        ours, floor = paired(run, run_floor, SQL_REPEATS)
    finally:
        close()
        close_floor()
    return OwnSql(
        statements=statistics.mean(len(statements) for statements in each),
        seconds=max(ours - floor, 0.0) / len(each),
        captured=dict(zip(paths, each, strict=True)),
    )


def figure(
    store: str, lookup: Lookup, connections: int, loads: Loads, data: UsageData, made: LookupData
) -> Figure:
    ours, theirs, floor, replay = loads.ours, loads.theirs, loads.floor, loads.replay
    best = loads.sql.best_possible(floor.per_second) if connections == 1 else None
    return Figure(
        figure=f"lookups: {lookup.name}, {connections} connections",
        store=store,
        licensehub=ours.per_second,
        baseline=theirs.per_second,
        unit="req/s",
        target=TARGET,
        direction="at_least",
        notes={
            "path": lookup.template,
            "ids": len(lookup.paths),
            "body_bytes": loads.body_bytes,
            "p50_ms": ours.p50_ms,
            "p99_ms": ours.p99_ms,
            "baseline_p50_ms": theirs.p50_ms,
            "baseline_p99_ms": theirs.p99_ms,
            "answered": ours.answered,
            "baseline_answered": theirs.answered,
            "stalled": ours.stalled,
            "errors": ours.errors if ours.failed else None,
            "baseline_stalled": theirs.stalled,
            "baseline_errors": theirs.errors if theirs.failed else None,
            **bound_notes("floor", floor, theirs),
            "statements": round(loads.sql.statements, 1),
            "sql_ms": round(loads.sql.seconds * 1000, 3),
            "best_possible_ratio": round(best / theirs.per_second, 3)
            if best and theirs.per_second
            else None,
            **bound_notes("replay", replay, theirs),
            **bound_notes("core_replay", loads.core_replay, theirs),
            "tenants": data.tenants,
            "users": made.users,
            "voice_services": made.voice_services,
            "organizations": made.organizations,
            "ledger_made_seconds": made.made_seconds,
            "run": f"wrk -t {min(connections, 2)} -c {connections} -d {round(ours.seconds)}s "
            "in rounds, turn about with the baseline, floor and both replays, the median round of "
            "each; random ids; one uvicorn process as `licensehub serve` runs it "
            "(bench.constant_app: the product's app plus the constant routes); 2 cores shared",
        },
    )


def bound_notes(name: str, bound: LoadResult, theirs: LoadResult) -> dict[str, object]:
    """A bound's load (the floor, a replay) beside the lookup's figure, as the notes name it."""
    return {
        f"{name}_per_second": round(bound.per_second, 1),
        f"{name}_vs_baseline": round(bound.per_second / theirs.per_second, 3)
        if theirs.per_second
        else None,
        f"{name}_p50_ms": bound.p50_ms,
        f"{name}_errors": bound.errors if bound.failed else None,
    }
