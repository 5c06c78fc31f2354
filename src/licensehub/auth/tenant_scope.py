"""The one tenant scope that every query of tenant data starts from: what part of the ledger
a principal may see, as SQL. Apart from the web dependencies that make it (scope.py), so that
the CLI and the importers use it without loading the web stack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, exists, select, true

from licensehub.auth.principals import Principal
from licensehub.ledger.tables import tenants


@dataclass(frozen=True)
class TenantScope:
    """What part of the ledger the principal may see, as SQL."""

    principal: Principal

    def restrict(self, tenant_column: Any) -> ColumnElement[bool]:
        """A condition on a column holding tenants.id: only rows the principal may see."""
        return restriction(self.principal.kind, tenant_column, self.scope_id)

    @property
    def scope_id(self) -> int | None:
        """What bounds the principal's rows: the customer's tenant or the partner (an
        operator's condition has none)."""
        principal = self.principal
        return principal.tenant_id if principal.kind == "customer" else principal.partner_id

    def values(self, **others: Any) -> dict[str, Any]:
        """The values of a statement built with restriction(): the principal's id as SCOPE_ID,
        and `others`."""
        return {SCOPE_ID: self.scope_id, **others}

    def tenants(self) -> Select[Any]:
        """The tenants the principal may see: the starting point of every tenant query."""
        return select(tenants).where(self.restrict(tenants.c.id))


SCOPE_ID = "scope_id"
SCOPE_PARAMETER: BindParameter[Any] = bindparam(SCOPE_ID)


def restriction(
    kind: str, tenant_column: Any, scope_id: Any = SCOPE_PARAMETER
) -> ColumnElement[bool]:
    """The condition on a column holding tenants.id for a principal of `kind` bounded by
    `scope_id` (TenantScope.scope_id). Left as the bound parameter SCOPE_ID, the one statement
    built with it serves every principal of the kind, without being built, keyed and looked
    up again per request; TenantScope.values() gives it its value."""
    if kind == "operator":
        return true()
    if kind == "customer":
        return tenant_column == scope_id  # type: ignore[no-any-return]
    visible = select(tenants.c.id).where(tenants.c.partner_id == scope_id)
    return tenant_column.in_(visible)  # type: ignore[no-any-return]


def one_tenant_restriction(
    kind: str, tenant_column: Any, scope_id: Any = SCOPE_PARAMETER
) -> ColumnElement[bool]:
    """restriction() for a statement that reaches one tenant at most, as a point lookup by
    a natural key does: a partner's condition probes that one tenant's row. restriction()'s
    IN makes SQLite list all the partner's tenants first, on every execution (its plan's
    LIST SUBQUERY: ~0.2 ms for 5,000 tenants, the most of a lookup's SQL), which pays off
    only for statements reading many tenants' rows, as analytics does."""
    if kind in ("operator", "customer"):
        return restriction(kind, tenant_column, scope_id)
    visible = tenants.alias("visible_tenant")
    return exists().where(visible.c.id == tenant_column, visible.c.partner_id == scope_id)
