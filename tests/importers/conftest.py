"""Helpers for importer tests: a request as the CLI makes it (an operator), files on disk."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from licensehub.auth.principals import Principal
from licensehub.auth.tenant_scope import TenantScope
from licensehub.importers.base import ImportRequest, SourceFile

OPERATOR = Principal(id=0, kind="operator", name="test operator")

RequestFactory = Callable[..., ImportRequest]


@pytest.fixture
def make_request() -> RequestFactory:
    def factory(
        kind: str,
        *paths: Path,
        tenant: uuid.UUID | None = None,
        partner_id: int | None = None,
        principal: Principal = OPERATOR,
        now: datetime | None = None,
        **options: Any,
    ) -> ImportRequest:
        return ImportRequest(
            kind=kind,
            files=[SourceFile(path.name, path) for path in paths],
            scope=TenantScope(principal),
            principal=None if principal is OPERATOR else principal,
            now=now or datetime.now(UTC),
            tenant=tenant,
            partner_id=partner_id,
            options=options,
        )

    return factory
