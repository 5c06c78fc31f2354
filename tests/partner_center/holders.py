"""Users of the demo ledger that hold a given SKU now, found in SQL for the lookups' tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from licensehub.ledger.tables import (
    assignment_disabled_plans,
    license_assignments,
    skus,
    tenants,
    users,
)


def holder_of(engine: Engine, part_number: str, *, with_disabled: bool = False) -> dict[str, Any]:
    """A current user holding the SKU, with every SKU it holds now (computed here, in SQL)."""
    with engine.connect() as connection:
        query = (
            select(users.c.id, users.c.object_id, users.c.user_principal_name, tenants.c.tenant_id)
            .join(license_assignments, license_assignments.c.user_id == users.c.id)
            .join(skus, skus.c.sku_id == license_assignments.c.sku_id)
            .join(tenants, tenants.c.id == users.c.tenant_id)
            .where(
                skus.c.sku_part_number == part_number,
                license_assignments.c.valid_to.is_(None),
                users.c.deleted_at.is_(None),
            )
            .order_by(users.c.id)
        )
        if with_disabled:
            query = query.join(
                assignment_disabled_plans,
                assignment_disabled_plans.c.assignment_id == license_assignments.c.id,
            )
        row = connection.execute(query).first()
        assert row is not None
        held = connection.execute(
            select(skus.c.sku_id, skus.c.license_group, license_assignments.c.id)
            .join(license_assignments, license_assignments.c.sku_id == skus.c.sku_id)
            .where(
                license_assignments.c.user_id == row.id, license_assignments.c.valid_to.is_(None)
            )
        ).all()
        disabled = set(
            connection.execute(
                select(assignment_disabled_plans.c.service_plan_id).where(
                    assignment_disabled_plans.c.assignment_id.in_([h.id for h in held])
                )
            ).scalars()
        )
    return {
        "path": f"/v1/customers/{row.tenant_id}/users/{row.object_id}/licenses",
        "tenant": row.tenant_id,
        "upn": row.user_principal_name,
        "object_id": row.object_id,
        "group1": {str(h.sku_id) for h in held if h.license_group == "group1"},
        "group2": {str(h.sku_id) for h in held if h.license_group == "group2"},
        "disabled": {str(plan) for plan in disabled},
    }
