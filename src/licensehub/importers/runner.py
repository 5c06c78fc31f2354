"""Running an import: check, apply in one transaction, record the outcome either way."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Engine, insert, select, true
from sqlalchemy.exc import DataError, IntegrityError

from licensehub.importers import importer_for
from licensehub.importers.base import Counts, ImportRefused, ImportRequest, InvalidImport
from licensehub.importers.base import Progress as ProgressSink
from licensehub.kit.frozen_heap import heap_frozen
from licensehub.ledger.database import write_transaction
from licensehub.ledger.integrity import explain
from licensehub.ledger.tables import imports, tenants
from licensehub.ledger.tables.base import utcnow

OUT_OF_RANGE = (
    "a value is outside what the ledger can hold (a date out of range, a text too long or "
    "containing a NUL character, a number too large)"
)


@dataclass(frozen=True)
class Outcome:
    import_id: int
    counts: Counts
    # An earlier successful import of the very same content, if there was one.
    same_as: int | None

    def summary(self, kind: str) -> str:
        line = f"import #{self.import_id} ({kind}): {self.counts.summary()}"
        if not self.counts.changed:
            earlier = f" (the same content as import #{self.same_as})" if self.same_as else ""
            line += f"; nothing changed: the ledger already held this content{earlier}"
        return line


class ImportFailed(Exception):
    """The import changed nothing; `import_id` is the record of the failure."""

    def __init__(self, import_id: int, cause: Exception) -> None:
        super().__init__(str(cause))
        self.import_id, self.cause = import_id, cause


def digest(request: ImportRequest) -> str:
    sha = hashlib.sha256()
    for source in request.files:
        with source.path.open("rb") as data:
            for chunk in iter(lambda: data.read(1 << 20), b""):
                sha.update(chunk)
    return sha.hexdigest()


def tenant_row(engine: Engine, request: ImportRequest) -> int | None:
    """The --tenant's row, only if the caller may see it: a record is never filed under a
    tenant of someone else's."""
    if request.tenant is None:
        return None
    with engine.connect() as connection:
        found = connection.execute(
            select(tenants.c.id).where(
                tenants.c.tenant_id == request.tenant, request.scope.restrict(tenants.c.id)
            )
        ).scalar()
    return int(found) if found is not None else None


def record(
    engine: Engine,
    request: ImportRequest,
    actor: str,
    content: str,
    counts: Counts,
    message: str | None = None,
    note: str | None = None,
) -> int:
    with write_transaction(engine) as connection:
        return int(
            connection.execute(
                insert(imports)
                .values(
                    kind=request.kind,
                    status="failed" if message else "succeeded",
                    started_at=request.now,
                    finished_at=utcnow(),
                    principal_id=request.principal.id if request.principal else None,
                    actor=actor,
                    tenant_id=counts.tenant_id or tenant_row(engine, request),
                    files=", ".join(source.name for source in request.files),
                    digest=content,
                    rows_read=counts.read,
                    rows_created=counts.created,
                    rows_updated=counts.updated,
                    rows_removed=counts.removed,
                    rows_rejected=counts.rejected,
                    message=message or note,
                )
                .returning(imports.c.id)
            ).scalar_one()
        )


def earlier_same(engine: Engine, request: ImportRequest, content: str, before: int) -> int | None:
    with engine.connect() as connection:
        found = connection.execute(
            select(imports.c.id)
            .where(
                imports.c.kind == request.kind,
                imports.c.digest == content,
                imports.c.status == "succeeded",
                imports.c.id < before,
                # Only an import the caller may see: the rest is another tenant's business.
                true()
                if request.scope.principal.kind == "operator"
                else request.scope.restrict(imports.c.tenant_id),
            )
            .order_by(imports.c.id.desc())
            .limit(1)
        ).scalar()
    return int(found) if found is not None else None


def run_import(
    engine: Engine, request: ImportRequest, actor: str, progress: ProgressSink
) -> Outcome:
    """Check every file, then apply them in one transaction: the import lands whole or not at
    all. Failures are recorded too, in a transaction of their own."""
    importer = importer_for(request.kind)
    content = digest(request)
    counted = CountedProgress(progress)
    try:
        with heap_frozen():
            checked = importer.check(request, counted)
            try:
                with write_transaction(engine) as connection:
                    counts = importer.apply(connection, request, checked, counted)
            finally:
                if (close := getattr(checked, "close", None)) is not None:
                    close()
        # Most importers write what check() counted without reading the files again: the
        # writes' half of the bar is done when apply() is.
        counted.advance(max(0, 2 * sum(source.size for source in request.files) - counted.bytes))
    except (InvalidImport, ImportRefused) as exc:
        raise ImportFailed(
            record(engine, request, actor, content, Counts(), str(exc)), exc
        ) from exc
    except IntegrityError as exc:
        conflict = explain(exc)
        raise ImportFailed(
            record(engine, request, actor, content, Counts(), str(conflict)), conflict
        ) from exc
    except (DataError, ArithmeticError) as exc:
        # A value the checks let through but the store or the calendar cannot hold (a date
        # in year 1, a NUL character, a number past 64 bits): the file's fault, not ours.
        invalid = InvalidImport(
            ", ".join(source.name for source in request.files), None, OUT_OF_RANGE
        )
        raise ImportFailed(
            record(engine, request, actor, content, Counts(), str(invalid)), invalid
        ) from exc
    import_id = record(
        engine, request, actor, content, counts, note="; ".join(counts.notes) or None
    )
    return Outcome(import_id, counts, earlier_same(engine, request, content, import_id))


class CountedProgress:
    """Passes each advance on, and counts the bytes."""

    def __init__(self, progress: ProgressSink) -> None:
        self.progress, self.bytes = progress, 0

    def advance(self, nbytes: int) -> None:
        self.bytes += nbytes
        self.progress.advance(nbytes)


class BarProgress:
    """A rich progress bar over the bytes read. Its total counts every file twice: once for
    the check, once for the writes (which advance it as they go, or the runner at their end)."""

    def __init__(self, bar: Progress, task: int) -> None:
        self.bar, self.task = bar, task

    def advance(self, nbytes: int) -> None:
        self.bar.advance(self.task, nbytes)  # type: ignore[arg-type]


@contextmanager
def terminal_progress(request: ImportRequest, console: Console) -> Iterator[ProgressSink]:
    total = 2 * sum(source.size for source in request.files)
    columns = (
        TextColumn(f"importing {request.kind}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        yield BarProgress(bar, bar.add_task(request.kind, total=total))
