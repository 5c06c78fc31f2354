"""restriction(), the tenant scope as a statement built once per kind of principal, sees
exactly the tenants TenantScope.restrict() sees, for every principal of the demo ledger."""

from __future__ import annotations

from sqlalchemy import Engine, select

from licensehub.auth.principals import Principal
from licensehub.auth.tenant_scope import SCOPE_ID, TenantScope, restriction
from licensehub.ledger.tables import tenants


def principals(engine: Engine) -> list[Principal]:
    with engine.connect() as connection:
        rows = connection.execute(select(tenants.c.id, tenants.c.partner_id)).all()
    found = [Principal(0, "operator", "op")]
    for row in rows:
        found.append(Principal(0, "customer", "c", tenant_id=row.id))
        found.append(Principal(0, "partner", "p", partner_id=row.partner_id))
    found.append(Principal(0, "customer", "nobody", tenant_id=-1))
    found.append(Principal(0, "partner", "nobody", partner_id=-1))
    return found


def test_a_kinds_statement_sees_what_restrict_sees(demo_engine: Engine) -> None:
    seen_by_kind = {}
    with demo_engine.connect() as connection:
        for principal in principals(demo_engine):
            scope = TenantScope(principal)
            wanted = set(
                connection.execute(scope.tenants().with_only_columns(tenants.c.id)).scalars()
            )
            statement = select(tenants.c.id).where(restriction(principal.kind, tenants.c.id))
            got = set(connection.execute(statement, {SCOPE_ID: scope.scope_id}).scalars())
            assert got == wanted, principal
            seen_by_kind.setdefault(principal.kind, set()).add(frozenset(got))
    # Not one answer for all: the parameter really picks the tenants.
    assert len(seen_by_kind["customer"]) > 2
    assert len(seen_by_kind["partner"]) > 2
