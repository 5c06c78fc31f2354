"""GET /partner/v1/analytics/commercial/usage/license: Partner Center's license usage."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Connection, Select

from licensehub.auth.scope import Scoped
from licensehub.kit.dependencies import LedgerTurn
from licensehub.kit.errors import InvalidParameter
from licensehub.partner_center import usage
from licensehub.partner_center.filters import FIELDS, FilterError
from licensehub.partner_center.schemas import PartnerCenterError

MAX_TOP = 10_000
MAX_SKIP = 2**31 - 1  # past any real result, and within every store's OFFSET
# Rows per chunk of a streamed page, and the most a page read inline may have (~2 MB of JSON):
# each chunk costs a trip to the thread pool and, on PostgreSQL, a FETCH from the cursor.
STREAM_BATCH = 5_000
JSON_UTF8 = "application/json; charset=utf-8"

router = APIRouter(
    tags=["Partner Center analytics"],
    responses={status: {"model": PartnerCenterError} for status in (400, 401, 403)},
)


def parse_top(top: str | None) -> int:
    if top is None:
        return MAX_TOP
    try:
        value = int(top)
    except ValueError:
        raise InvalidParameter(f"top: {top!r} is not a whole number.") from None
    if not 1 <= value <= MAX_TOP:
        raise InvalidParameter(f"top: {value} is outside 1 to {MAX_TOP}.")
    return value


def parse_groupby(groupby: str | None) -> tuple[str, ...]:
    if groupby is None or not groupby.strip():
        return ()
    canonical = {field.lower(): field for field in FIELDS}
    fields: list[str] = []
    for raw in groupby.split(","):
        field = canonical.get(raw.strip().lower())
        if field is None:
            raise InvalidParameter(
                f"groupby: {raw.strip()!r} is not a field; use any of {', '.join(FIELDS)}."
            )
        if field not in fields:
            fields.append(field)
    return tuple(fields)


def parse_processed(value: str | None) -> date | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise InvalidParameter(
            f"processedDateTime: {value!r} is not a date (e.g. 2018-10-14 or 2018-10-14T00:00:00)."
        ) from None


def body(batches: Iterable[Sequence[str]], total: int, next_link: str | None) -> Iterator[bytes]:
    """The answer in chunks, one per batch of rows (each row its JSON object as text)."""
    yield b'{"Value":['
    separator = b""
    for batch in batches:
        yield separator + ",".join(batch).encode()
        separator = b","
    tail: dict[str, Any] = {"TotalCount": total}
    if next_link:
        tail["@nextLink"] = next_link
    yield b"]," + json.dumps(tail, separators=(",", ":"))[1:].encode()


def stream(
    transaction: ExitStack,
    ledger: Connection,
    statement: Select[Any],
    values: dict[str, Any],
    total: int,
    next_link: str | None,
) -> Iterator[bytes]:
    """A long page from a server-side cursor: never the whole result in memory. It is read
    in the transaction that counted it, so that its rows are the ones counted, and the
    transaction ends when the stream does (or, if the stream is dropped unread, when it is
    collected). A stream dropped halfway, as by a client that went away, closes its cursor
    before the transaction ends."""
    options = {"stream_results": True, "yield_per": STREAM_BATCH}
    with transaction, ledger.execute(statement, values, execution_options=options) as result:
        yield from body(result.scalars().partitions(), total, next_link)


@router.get(
    "/partner/v1/analytics/commercial/usage/license",
    summary="License usage per workload",
    description="Rows of licensesActive / licensesQualified per customer, product and workload "
    "for one processing date (by default the latest the caller may see). Each row carries "
    "both `licensesActive` (the page's table) and `licenseActive` (the page's example).",
)
def license_usage(
    request: Request,
    turn: LedgerTurn,
    scope: Scoped,
    top: Annotated[str | None, Query(description=f"Rows per page, 1 to {MAX_TOP}.")] = None,
    skip: Annotated[int, Query(ge=0, le=MAX_SKIP, description="Rows to skip.")] = 0,
    filter: Annotated[
        str | None, Query(description="e.g. workloadCode eq 'SFB' or (channel eq 'Reseller')")
    ] = None,
    groupby: Annotated[str | None, Query(description="Comma-separated fields.")] = None,
    processedDateTime: Annotated[
        str | None, Query(description="The processing date to report.")
    ] = None,
) -> Response:
    # An empty filter filters nothing, as a client building its query string may send it.
    filter_text = filter if filter and filter.strip() else None
    if filter_text is not None:
        try:
            usage.parsed(filter_text)
        except FilterError as exc:
            raise InvalidParameter(str(exc)) from None
    # Every parameter is checked before the transaction: bad input never opens one.
    limit, fields = parse_top(top), parse_groupby(groupby)
    requested = parse_processed(processedDateTime)
    # The date, the count and the page all see one snapshot of the ledger: an import that
    # commits meanwhile cannot make TotalCount and the rows disagree.
    with ExitStack() as transaction:
        ledger = transaction.enter_context(turn.reading(snapshot=True))
        day = requested or usage.latest_date(ledger, scope)
        if day is None:  # nothing the caller may see has been processed yet
            return Response(b"".join(body([], 0, None)), media_type=JSON_UTF8)
        query = usage.UsageQuery(day, filter_text, fields, limit, skip)
        total, text = usage.count_and_page(ledger, scope, query, inline=STREAM_BATCH)
        next_link = None
        if skip + limit < total:
            # The same query, the next rows, and the date pinned so that pages stay consistent.
            next_link = str(
                request.url.include_query_params(
                    skip=skip + limit, top=limit, processedDateTime=day.isoformat()
                )
            )
        if usage.streams(query, total, STREAM_BATCH):
            # The stream takes the open transaction over and ends it.
            chunks = stream(
                transaction.pop_all(),
                ledger,
                usage.page(scope, query),
                usage.parameters(scope, query),
                total,
                next_link,
            )
            return StreamingResponse(chunks, media_type=JSON_UTF8)
    # A page of one batch is read at once, as one text: streaming it would cost a trip to the
    # thread pool for every chunk.
    rows = [text] if text else []
    return Response(b"".join(body([rows], total, next_link)), media_type=JSON_UTF8)
