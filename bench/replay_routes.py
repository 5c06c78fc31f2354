"""Replay routes: for each endpoint the bench drives, a route with the endpoint's own
parameters that sends the endpoint's own SQL, captured from the app for the same request,
straight to the driver in a transaction of the same kind (the endpoint's turn at the ledger),
and answers a constant body of the requested size.

That is the endpoint with nothing of licensehub's own inside it: no query built, no row read
by name, no body made. What a replay route answers a second bounds what any implementation of
the endpoint could, on this stack (FastAPI, uvicorn, a SQLAlchemy connection and
transaction), with these parameters and these statements; the gap between it and the
endpoint is licensehub's.

Each lookup has a second replay route, the Core replay (`/bench-replay-core/{size}`): the same
statements sent through SQLAlchemy's Connection.exec_driver_sql rather than the bare cursor.
That is what SQLAlchemy's execution (its execution context, cursor result and events) costs
the endpoint's statements, without compiling them or processing their parameters and rows,
which licensehub's Core statements also pay: the gap between the two replays is the
execution's, the gap between the Core replay and the endpoint the rest of licensehub's.

A replay route's path is the real one with `/bench-replay/{size}` after the vendor's prefix
(so that the prefix's middleware applies), and its statements are those the real request sent:
a pickle file named by LICENSEHUB_BENCH_REPLAY, {real path and query: [Statement, ...]},
written by the bench before the first replay request and read at it."""

from __future__ import annotations

import os
import pickle
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import Header, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from bench.constant_body import Size, constant_body
from bench.endpoint_paths import (
    LICENSE_INFO,
    LICENSING_INFORMATION,
    SUBSCRIBED_SKUS,
    USAGE_ANALYTICS,
    USER_LICENSES,
)
from bench.sql_capture import Statement
from licensehub.auth.scope import Scoped
from licensehub.kit.clock import Now
from licensehub.kit.dependencies import LedgerTurn, Turn, looked_up
from licensehub.live_platform.router import CustomerGuid
from licensehub.partner_center.params import CustomerId
from licensehub.partner_center.router import LicenseGroups
from licensehub.veeam.organizations import OrganizationId

REPLAY_FILE = "LICENSEHUB_BENCH_REPLAY"
MARK = "/bench-replay/{size}"
CORE_MARK = "/bench-replay-core/{size}"


# A route's function, plain or async.
Endpoint = Callable[..., Response | Awaitable[Response]]


def replay_path(real: str, vendor_prefix: str, mark: str = MARK) -> str:
    return f"{vendor_prefix}{mark}{real.removeprefix(vendor_prefix)}"


def replay_of(real: str, vendor_prefix: str, size: int, mark: str = MARK) -> str:
    """The replay request (or with CORE_MARK the Core replay's) for a real request (a path
    with its query)."""
    return replay_path(real, vendor_prefix, mark).replace("{size}", str(size), 1)


def real_request(request: Request, size: int) -> tuple[str, bool]:
    """The real request's path and query as the bench sent them (not percent-decoded), as
    they key the captured statements, and whether the Core replay was asked for."""
    raw = request.scope["raw_path"].decode("ascii")
    core = CORE_MARK.format(size=size)
    through_core = core in raw
    real = raw.replace(core if through_core else MARK.format(size=size), "", 1)
    return (f"{real}?{request.url.query}" if request.url.query else real), through_core


def write_replays(path: FilePath, captured: Sequence[dict[str, list[Statement]]]) -> None:
    """The statements the replay routes send, {real path and query: statements}, for them
    to read at their first request."""
    every: dict[str, list[Statement]] = {}
    for each in captured:
        every |= each
    with path.open("wb") as file:
        pickle.dump(every, file)


@cache
def captured() -> dict[str, list[Statement]]:
    with open(os.environ[REPLAY_FILE], "rb") as file:
        statements: dict[str, list[Statement]] = pickle.load(file)
    return statements


def replayed(turn: Turn, request: Request, size: int, *, snapshot: bool = False) -> Response:
    """The turn first, as kit/dependencies.looked_up hands it to a lookup's read."""
    real, through_core = real_request(request, size)
    statements = captured()[real]
    with turn.reading(snapshot=snapshot) as ledger:
        if through_core:
            for statement in statements:
                ledger.exec_driver_sql(statement.sql, statement.parameters).fetchall()
        else:
            sent_to_cursor(ledger, statements)
    return Response(constant_body(size), media_type="application/json")


def sent_to_cursor(ledger: Connection, statements: Sequence[Statement]) -> None:
    """Straight to the driver's cursor, as raw_runner sends them: a bound on what any
    implementation could send them at must not pay SQLAlchemy's execution on the way."""
    cursor = ledger.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for statement in statements:
            cursor.execute(statement.sql, statement.parameters)
            cursor.fetchall()
    finally:
        cursor.close()


# The lookups' replays take their lane and run in the thread pool as the endpoints do
# (kit/dependencies.looked_up).


async def user_licenses(
    request: Request,
    scope: Scoped,
    size: Size,
    customer_id: CustomerId,
    user_id: Annotated[str, Path()],
    groups: LicenseGroups,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    return await looked_up(request, replayed, request, size)


async def subscribed_skus(
    request: Request,
    scope: Scoped,
    size: Size,
    customer_id: CustomerId,
    groups: LicenseGroups,
) -> Response:
    return await looked_up(request, replayed, request, size)


async def license_info(
    request: Request,
    scope: Scoped,
    now: Now,
    size: Size,
    customer_guid: CustomerGuid,
    nrOfMonths: Annotated[int, Query(ge=1, le=120)] = 1,
) -> Response:
    return await looked_up(request, replayed, request, size)


async def licensing_information(
    request: Request,
    scope: Scoped,
    now: Now,
    size: Size,
    organization_id: OrganizationId,
) -> Response:
    return await looked_up(request, replayed, request, size)


def usage_analytics(
    request: Request,
    turn: LedgerTurn,
    scope: Scoped,
    size: Size,
    top: str | None = None,
    skip: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    filter: str | None = None,
    groupby: str | None = None,
    processedDateTime: str | None = None,
) -> Response:
    return replayed(turn, request, size, snapshot=True)


REPLAY_ENDPOINTS: dict[str, Endpoint] = {
    USER_LICENSES: user_licenses,
    SUBSCRIBED_SKUS: subscribed_skus,
    LICENSE_INFO: license_info,
    LICENSING_INFORMATION: licensing_information,
    USAGE_ANALYTICS: usage_analytics,
}
