"""GET /api/v3/customer/{customerGuid}/licenseinfo: a Teams voice service's license info."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from licensehub.auth.scope import Scoped
from licensehub.kit.clock import Now
from licensehub.kit.dependencies import Turn, looked_up
from licensehub.kit.errors import problem_responses
from licensehub.kit.pool_turns import pool_slot
from licensehub.live_platform import queries
from licensehub.live_platform.schemas import LicenseInfo

router = APIRouter(
    tags=["Live Platform"],
    responses=problem_responses(400, 401, 403, 404),
)

CustomerGuid = Annotated[uuid.UUID, Path(alias="customerGuid", description="umpCustomerGuid.")]


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def answer(bodies: str | None) -> Response:
    """The records' bodies as queries.history joins them, in their JSON array."""
    return Response(f"[{bodies or ''}]".encode(), media_type="application/json")


def stored_answer(
    turn: Turn, scope: Scoped, now: datetime, guid: uuid.UUID, since: date
) -> Response | None:
    """The answer when today's record is stored and was counted from the inputs as they
    are, as on most requests; None when the day is new or an input changed since. One
    statement reads all it needs (queries.read), and counts nothing: the ledger's triggers
    clear the service's mark whenever an input changes (migration 0010)."""
    with turn.reading() as ledger:
        read = queries.read(ledger, scope, guid, since)
    # The read saw one snapshot: the bodies it joined are those the mark speaks for.
    if read.record_current_on != now.date():
        return None
    return answer(read.bodies)


def recorded_answer(
    turn: Turn, scope: Scoped, now: datetime, guid: uuid.UUID, since: date
) -> Response:
    """Today's record counted once no other writer can change the service, written if the
    ledger does not hold it as it is, and marked current; then the answer. SQLite's write
    transaction holds the database's lock from its BEGIN, PostgreSQL's locks the service's
    row only when it is read for update (and every writer of an input updates that row, by
    trigger if not by hand). A writer that recorded newer inputs meanwhile is then not
    overwritten, and of two requests that both found the record stale, one writes."""
    with turn.writing() as ledger:
        service = queries.visible_service(ledger, scope, guid, lock=True)
        record = queries.today_record(ledger, service, now)
        if not queries.is_recorded(ledger, record):
            queries.save_record(ledger, record)
        queries.mark_current(ledger, record)
        bodies = queries.history(ledger, service.id, since)
    return answer(bodies)


@router.get(
    "/api/v3/customer/{customerGuid}/licenseinfo",
    response_model=list[LicenseInfo],
    summary="License info of a Teams voice service, one record per day, newest first",
)
async def get_license_info(
    request: Request,
    scope: Scoped,
    now: Now,
    customer_guid: CustomerGuid,
    nrOfMonths: Annotated[
        int, Query(ge=1, le=120, description="The records of the last N months.")
    ] = 1,
) -> Response:
    since = months_before(now.date(), nrOfMonths)
    # A point lookup, in a lookup lane, but only for reading: a write may wait on SQLite's one
    # write lock (an import holds it for its whole transaction) and must not hold a lane
    # meanwhile. Each part runs in the thread pool, as a plain `def` endpoint would.
    answer = await looked_up(request, stored_answer, scope, now, customer_guid, since)
    if answer is None:
        async with pool_slot(request.app.state):
            answer = await run_in_threadpool(
                recorded_answer, Turn(request.app.state.engine), scope, now, customer_guid, since
            )
    return answer
