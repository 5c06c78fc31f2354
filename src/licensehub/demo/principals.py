"""Who can sign in to the demo: an operator and one customer, with a published password."""

from __future__ import annotations

from licensehub.auth.principals import add_password_user, create_principal
from licensehub.demo.context import DemoContext
from licensehub.demo.tenants import DemoTenant

# Demo only: printed by `serve --demo` and written in the README.
DEMO_PASSWORD = "licensehub-demo"


def build_principals(ctx: DemoContext, tenants: dict[str, DemoTenant]) -> None:
    admin = create_principal(ctx.connection, "admin", can_write=True)
    add_password_user(ctx.connection, admin, "admin", DEMO_PASSWORD)
    woodgrove = tenants["Woodgrove Bank"]
    reader = create_principal(ctx.connection, "it@woodgrovebank", tenant_id=woodgrove.id)
    add_password_user(ctx.connection, reader, "it@woodgrovebank", DEMO_PASSWORD)
