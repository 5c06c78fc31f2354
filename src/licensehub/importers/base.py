"""What every importer shares: the request, the counts, the errors, and the two-phase shape.

An importer first *checks* its files completely without touching the ledger (a malformed file
changes nothing), then *applies* what it checked inside the one transaction the runner opens.
Both phases stream: a file is read row by row, never loaded whole.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection

from licensehub.auth.principals import Principal
from licensehub.auth.tenant_scope import TenantScope


@dataclass(frozen=True)
class SourceFile:
    name: str  # as the user named it: what error messages say
    path: Path  # where its bytes are (uploads are spooled to disk first)

    @property
    def size(self) -> int:
        return self.path.stat().st_size


class InvalidImport(Exception):
    """A file that cannot be imported: which file, where in it, and what is wrong."""

    def __init__(self, file: str, location: str | None, message: str) -> None:
        self.file, self.location, self.message = file, location, message
        where = f"{file} at {location}" if location else file
        super().__init__(f"{where}: {message}")


class ImportRefused(Exception):
    """A well-formed file the caller may not import (a tenant outside its scope, say)."""


@dataclass
class Counts:
    read: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    rejected: int = 0
    # What the user should know although the import succeeded (e.g. rows it could not place).
    notes: list[str] = field(default_factory=list)
    # The tenant the files turned out to be about (a service's or organization's), so that
    # the import's record is visible to that tenant's principals.
    tenant_id: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    def summary(self) -> str:
        line = (
            f"{self.read} rows read, {self.created} created, {self.updated} updated, "
            f"{self.removed} removed, {self.rejected} rejected"
        )
        return "; ".join([line, *self.notes])


class Progress(Protocol):
    def advance(self, nbytes: int) -> None: ...


class NoProgress:
    def advance(self, nbytes: int) -> None:
        pass


@dataclass
class ImportRequest:
    kind: str
    files: list[SourceFile]
    scope: TenantScope  # what the caller may touch; the CLI acts as an operator
    principal: Principal | None  # None for the CLI
    now: datetime
    tenant: uuid.UUID | None = None  # --tenant
    partner_id: int | None = None  # --partner, resolved: where unknown tenants go
    options: dict[str, Any] = field(default_factory=dict)  # kind-specific, e.g. period


class Importer(Protocol):
    kind: str

    def check(self, request: ImportRequest, progress: Progress) -> Any:
        """Read every file to its end; raise InvalidImport at the first problem. No writes.
        What it returns may hold resources (a temporary file): the runner calls its close(),
        if it has one, once apply() is done or has failed."""
        ...

    def apply(
        self, connection: Connection, request: ImportRequest, checked: Any, progress: Progress
    ) -> Counts:
        """Write what check() found, inside the runner's transaction."""
        ...
