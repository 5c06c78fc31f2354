"""restriction() and one_tenant_restriction(), the tenant scope as a statement built once per
kind of principal, see exactly the tenants TenantScope.restrict() sees, for every principal of
the demo ledger; the point lookups' one never lists a partner's tenants on SQLite."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from licensehub.auth.principals import Principal
from licensehub.auth.tenant_scope import (
    SCOPE_ID,
    TenantScope,
    one_tenant_restriction,
    restriction,
)
from licensehub.ledger.tables import tenants
from licensehub.live_platform.queries import service_statement
from licensehub.partner_center.licenses import held_statement
from licensehub.partner_center.queries import customer_statement
from licensehub.veeam.queries import organization_statement


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


@pytest.mark.parametrize("restricted", [restriction, one_tenant_restriction])
def test_a_kinds_statement_sees_what_restrict_sees(demo_engine: Engine, restricted: Any) -> None:
    seen_by_kind = {}
    with demo_engine.connect() as connection:
        for principal in principals(demo_engine):
            scope = TenantScope(principal)
            wanted = set(
                connection.execute(scope.tenants().with_only_columns(tenants.c.id)).scalars()
            )
            statement = select(tenants.c.id).where(restricted(principal.kind, tenants.c.id))
            got = set(connection.execute(statement, {SCOPE_ID: scope.scope_id}).scalars())
            assert got == wanted, principal
            seen_by_kind.setdefault(principal.kind, set()).add(frozenset(got))
    # Not one answer for all: the parameter really picks the tenants.
    assert len(seen_by_kind["customer"]) > 2
    assert len(seen_by_kind["partner"]) > 2


def test_no_point_lookup_lists_a_partners_tenants(demo_engine: Engine) -> None:
    if demo_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan: PostgreSQL probes the tenant's key either way")
    statements = {
        "customer": customer_statement("partner"),
        "user licenses by object id": held_statement("partner", True),
        "user licenses by name": held_statement("partner", False),
        "voice service": service_statement("partner"),
        "Veeam organization": organization_statement("partner"),
    }
    with demo_engine.connect() as connection:
        for name, statement in statements.items():
            sql = str(statement.compile(demo_engine))
            unbound = (None,) * sql.count("?")  # a plan needs no values
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", unbound).all()
            steps = [row[-1] for row in plan]
            assert not any("LIST SUBQUERY" in step for step in steps), (name, steps)
            # The one tenant's row, by its key: a probe, not a scan.
            assert any(
                step.startswith("SEARCH visible_tenant USING INTEGER PRIMARY KEY") for step in steps
            ), (name, steps)
