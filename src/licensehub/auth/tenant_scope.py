"""The one tenant scope that every query of tenant data starts from: what part of the ledger
a principal may see, as SQL. Apart from the web dependencies that make it (scope.py), so that
the CLI and the importers use it without loading the web stack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select, true

from licensehub.auth.principals import Principal
from licensehub.ledger.tables import tenants


@dataclass(frozen=True)
class TenantScope:
    """What part of the ledger the principal may see, as SQL."""

    principal: Principal

    def restrict(self, tenant_column: Any) -> ColumnElement[bool]:
        """A condition on a column holding tenants.id: only rows the principal may see."""
        principal = self.principal
        if principal.kind == "operator":
            return true()
        if principal.kind == "customer":
            return tenant_column == principal.tenant_id  # type: ignore[no-any-return]
        visible = select(tenants.c.id).where(tenants.c.partner_id == principal.partner_id)
        return tenant_column.in_(visible)  # type: ignore[no-any-return]

    def tenants(self) -> Select[Any]:
        """The tenants the principal may see: the starting point of every tenant query."""
        return select(tenants).where(self.restrict(tenants.c.id))
