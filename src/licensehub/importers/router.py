"""Imports over HTTP: a scheduler pushes the same files the CLI takes, and reads the records."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import anyio
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Engine, Row, select
from starlette.datastructures import UploadFile

from licensehub.audit.middleware import note
from licensehub.auth.principals import Principal
from licensehub.auth.scope import Scoped, WritePrincipal
from licensehub.auth.tenant_scope import TenantScope
from licensehub.importers import REGISTRY
from licensehub.importers.base import (
    ImportRefused,
    ImportRequest,
    InvalidImport,
    NoProgress,
    SourceFile,
)
from licensehub.importers.commands import PERIODS
from licensehub.importers.runner import ImportFailed, Outcome, run_import
from licensehub.kit.dependencies import LedgerTurn
from licensehub.kit.errors import (
    ApiError,
    Conflict,
    Forbidden,
    InvalidParameter,
    NotFound,
    problem_responses,
)
from licensehub.kit.pool_turns import pool_slot
from licensehub.kit.responses import json_response
from licensehub.ledger.integrity import LedgerConflict
from licensehub.ledger.tables import imports
from licensehub.ledger.tables.base import utcnow

PREFIXES = ("/imports",)

router = APIRouter(tags=["imports"])

CHUNK = 1 << 20


class ImportRecord(BaseModel):
    id: int
    kind: str
    status: str
    startedAt: str
    finishedAt: str | None
    actor: str
    files: str
    digest: str
    read: int
    created: int
    updated: int
    removed: int
    rejected: int
    message: str | None


class ImportOutcome(ImportRecord):
    """POST /imports/{kind}'s answer: the import's record, what it did in one line, and an
    earlier import of the very same content, if there was one."""

    summary: str
    sameAs: int | None


def record_body(row: Row[Any]) -> ImportRecord:
    return ImportRecord(
        id=row.id,
        kind=row.kind,
        status=row.status,
        startedAt=row.started_at.isoformat(),
        finishedAt=row.finished_at.isoformat() if row.finished_at else None,
        actor=row.actor,
        files=row.files,
        digest=row.digest,
        read=row.rows_read,
        created=row.rows_created,
        updated=row.rows_updated,
        removed=row.rows_removed,
        rejected=row.rows_rejected,
        message=row.message,
    )


def visible_imports(scope: TenantScope) -> Any:
    """Records of imports about a tenant the principal may see; global ones (the catalog) and
    failures before a tenant was known are the operator's."""
    query = select(imports)
    if scope.principal.kind != "operator":
        query = query.where(imports.c.tenant_id.is_not(None), scope.restrict(imports.c.tenant_id))
    return query


def save(source: BinaryIO, target: Path) -> None:
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, CHUNK)


async def save_stream(chunks: AsyncIterable[bytes], target: Path) -> int:
    """The chunks written to target, a CHUNK at a time in a worker thread: the event loop
    never waits on the disk, and no more than about a CHUNK is held in memory. Returns the
    number of bytes written."""
    written = 0
    pending = bytearray()
    async with await anyio.open_file(target, "wb") as out:
        async for chunk in chunks:
            pending += chunk
            if len(pending) >= CHUNK:
                written += await out.write(pending)
                pending.clear()
        if pending:
            written += await out.write(pending)
    return written


@asynccontextmanager
async def uploaded_files(request: Request, filename: str | None) -> AsyncIterator[list[SourceFile]]:
    """The request's files on disk: multipart parts, or the raw body as one file. Streamed,
    never held in memory whole; the disk is written, and the folder removed, in worker
    threads."""
    folder = Path(await run_in_threadpool(tempfile.mkdtemp, prefix="licensehub-upload-"))
    try:
        files: list[SourceFile] = []
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "multipart/form-data":
            async with request.form(max_files=100) as form:
                for index, (_, part) in enumerate(form.multi_items()):
                    if isinstance(part, UploadFile):
                        target = folder / f"{index}"
                        await run_in_threadpool(save, part.file, target)
                        files.append(SourceFile(part.filename or f"upload-{index}", target))
        else:
            target = folder / "body"
            if await save_stream(request.stream(), target):
                files.append(SourceFile(filename or "upload", target))
        if not files:
            raise InvalidParameter(
                "No file: send multipart/form-data parts or the file as the body."
            )
        yield files
    finally:
        # Shielded: a request cancelled mid-upload still leaves nothing behind.
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(shutil.rmtree, folder, ignore_errors=True)


def partner_for(principal: Principal, requested: int | None) -> int | None:
    if principal.kind == "partner":
        if requested not in (None, principal.partner_id):
            raise Forbidden("A partner creates tenants under itself only.")
        return principal.partner_id
    if principal.kind == "customer" and requested is not None:
        raise Forbidden("A customer creates no tenants.")
    return requested


@router.post(
    "/imports/{kind}",
    status_code=201,
    response_model=ImportOutcome,
    summary="Import files (multipart parts or the raw body), checked whole, landed whole",
    responses=problem_responses(400, 401, 403, 404, 409, 413),
)
async def post_import(
    request: Request,
    kind: str,
    principal: WritePrincipal,
    scope: Scoped,
    tenant: Annotated[
        uuid.UUID | None, Query(description="The tenant the files are about.")
    ] = None,
    partner: Annotated[int | None, Query(description="Create unknown tenants here.")] = None,
    period: Annotated[str, Query(description="activity: D7, D30, D90 or D180.")] = "D30",
    tenantName: Annotated[str | None, Query()] = None,
    filename: Annotated[str | None, Query(description="The raw body's file name.")] = None,
    service: Annotated[
        uuid.UUID | None, Query(description="teams-numbers: the voice service (umpCustomerGuid).")
    ] = None,
    organization: Annotated[
        uuid.UUID | None, Query(description="veeam: the backup organization.")
    ] = None,
) -> Response:
    note(request, action=f"import.{kind}"[:64])
    if kind not in REGISTRY:
        raise NotFound(f"No importer for {kind!r}; use one of {', '.join(sorted(REGISTRY))}.")
    if kind == "catalog" and principal.kind != "operator":
        raise Forbidden("The catalog is global: only an operator imports it.")
    if period.upper() not in PERIODS:
        raise InvalidParameter(f"period: {period!r} is not one of {', '.join(PERIODS)}.")
    options: dict[str, Any] = {"period": period.upper()}
    if tenantName:
        options["tenant_name"] = tenantName
    if service:
        options["service"] = str(service)
    if organization:
        options["organization"] = str(organization)
    engine = request.app.state.engine
    async with uploaded_files(request, filename) as files:
        import_request = ImportRequest(
            kind=kind,
            files=files,
            scope=scope,
            principal=principal,
            now=utcnow(),
            tenant=tenant,
            partner_id=partner_for(principal, partner),
            options=options,
        )
        try:
            # A turn at the pool once the upload is on disk, not before: a client uploading
            # slowly must not keep others from the ledger.
            async with pool_slot(request.app.state):
                outcome, row = await run_in_threadpool(
                    land, engine, import_request, f"principal:{principal.name}"
                )
        except ImportFailed as failure:
            note(request, detail=f"import #{failure.import_id}: {failure}")
            raise error_for(failure) from None
    note(request, detail=f"import #{outcome.import_id}: {outcome.summary(kind)}")
    body = ImportOutcome(
        **record_body(row).model_dump(), summary=outcome.summary(kind), sameAs=outcome.same_as
    )
    return json_response(body, status_code=201)


def land(engine: Engine, request: ImportRequest, actor: str) -> tuple[Outcome, Row[Any]]:
    """The import run, and its record read back: all of it blocking, for a worker thread."""
    outcome = run_import(engine, request, actor, NoProgress())
    with engine.connect() as connection:
        row = connection.execute(select(imports).where(imports.c.id == outcome.import_id)).one()
    return outcome, row


def error_for(failure: ImportFailed) -> ApiError:
    cause = failure.cause
    details = [{"import": failure.import_id}]
    if isinstance(cause, InvalidImport):
        return InvalidParameter(
            str(cause),
            details=[{"file": cause.file, "location": cause.location, "import": failure.import_id}],
        )
    if isinstance(cause, ImportRefused):
        return Forbidden(str(cause), details=details)
    # The runner fails an import with one of three causes; the last is a ledger conflict.
    assert isinstance(cause, LedgerConflict)
    return Conflict(str(cause), details=details)


@router.get(
    "/imports",
    response_model=list[ImportRecord],
    summary="The latest imports",
    responses=problem_responses(400, 401),
)
def list_imports(
    turn: LedgerTurn,
    scope: Scoped,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Response:
    latest = visible_imports(scope).order_by(imports.c.id.desc()).limit(limit)
    with turn.reading() as ledger:
        rows = ledger.execute(latest).all()
    return json_response([record_body(row) for row in rows])


@router.get(
    "/imports/{import_id}",
    response_model=ImportRecord,
    summary="One import",
    responses=problem_responses(400, 401, 404),
)
def get_import(
    turn: LedgerTurn, scope: Scoped, import_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)]
) -> Response:
    with turn.reading() as ledger:
        row = ledger.execute(visible_imports(scope).where(imports.c.id == import_id)).first()
    if row is None:
        raise NotFound(f"Import {import_id} was not found.")
    return json_response(record_body(row))
