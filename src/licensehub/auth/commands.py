"""`licensehub token|user|client create`: the first operator, API clients and tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

import click
from rich.console import Console
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from licensehub.audit.events import cli_event, record_in
from licensehub.auth.entra_links import link_identity
from licensehub.auth.keys import load_keys
from licensehub.auth.principals import (
    Principal,
    UnknownScope,
    add_api_client,
    add_password_user,
    create_principal,
    principal_from_row,
    resolve_partner,
    resolve_tenant,
)
from licensehub.auth.tokens import issue_access_token, scope_of
from licensehub.ledger.integrity import explain
from licensehub.ledger.session import open_ledger
from licensehub.ledger.tables import principals
from licensehub.settings import Settings

console = Console(stderr=True)

tenant_option = click.option(
    "--tenant", metavar="TENANT_ID", help="Scope to one customer tenant (its tenant id GUID)."
)
partner_option = click.option(
    "--partner",
    metavar="PARTNER",
    help="Scope to one partner's customers (the partner's number or its own tenant id).",
)
write_option = click.option("--write", is_flag=True, help="Allow writes, not only reads.")


def ledger_url(settings: Settings, demo: bool) -> tuple[str, bool]:
    """The database to use and whether to migrate it first (the embedded ones only)."""
    if demo:
        return settings.demo_url, False
    return settings.ledger_url, settings.is_embedded


def scope_ids(
    connection: Connection, tenant: str | None, partner: str | None
) -> tuple[int | None, int | None]:
    if tenant and partner:
        raise click.UsageError("give --tenant or --partner, not both")
    try:
        return (
            resolve_partner(connection, partner) if partner else None,
            resolve_tenant(connection, tenant) if tenant else None,
        )
    except UnknownScope as exc:
        raise click.BadParameter(str(exc)) from exc


def describe(principal: Principal) -> str:
    scope = {"operator": "everything", "partner": "one partner's customers"}.get(
        principal.kind, "one tenant"
    )
    return f"{principal.kind} '{principal.name}' ({scope}, {scope_of(principal)})"


def audit(connection: Connection, action: str, command: str, principal: Principal) -> None:
    """Recorded with the change itself: a credential made from the CLI is in the trail."""
    record_in(connection, cli_event(action, command, "succeeded", detail=describe(principal)))


def cli_principal(
    connection: Connection, partner_id: int | None, tenant_id: int | None, write: bool
) -> Principal:
    """The principal that CLI-minted tokens of this scope stand for, made on first use."""
    name = "cli:" + ("tenant" if tenant_id else "partner" if partner_id else "operator")
    name += f":{tenant_id or partner_id or ''}:{'write' if write else 'read'}"
    row = connection.execute(
        select(principals).where(principals.c.name == name, principals.c.disabled_at.is_(None))
    ).first()
    if row is not None:
        return principal_from_row(row)
    return create_principal(
        connection, name, partner_id=partner_id, tenant_id=tenant_id, can_write=write
    )


@click.group(help="Tokens for API calls.")
def token() -> None:
    pass


@token.command(
    "create",
    help="Print a token: an operator's, or with --tenant a customer's, or with --partner a "
    "partner's. Read-only unless --write.",
)
@tenant_option
@partner_option
@write_option
@click.option(
    "--lifetime",
    default=3600,
    show_default=True,
    type=click.IntRange(60, 30 * 86400),
    help="Seconds the token stays valid.",
)
@click.option("--demo", is_flag=True, help="For the demo database instead of the ledger.")
def create_token(
    tenant: str | None, partner: str | None, write: bool, lifetime: int, demo: bool
) -> None:
    settings = Settings()
    url, migrate = ledger_url(settings, demo)
    # The demo's tokens use the demo's own key (see serve --demo).
    secret = settings.secret_key.get_secret_value() if settings.secret_key and not demo else None
    with open_ledger(url, migrate) as engine, engine.begin() as connection:
        partner_id, tenant_id = scope_ids(connection, tenant, partner)
        principal = cli_principal(connection, partner_id, tenant_id, write)
        keys = load_keys(connection, secret)
        access, _, expires = issue_access_token(keys, principal, timedelta(seconds=lifetime))
        audit(connection, "token.cli", "licensehub token create", principal)
    console.print(f"token for {describe(principal)}, valid until {expires:%Y-%m-%d %H:%M} UTC")
    click.echo(access)


@click.group(
    help="Password users: sign in with POST /v6/token (grant_type=password); Entra ID users: "
    "call with a bearer token of Entra ID."
)
def user() -> None:
    pass


@user.command("create", help="Create a password user; without a scope, an operator.")
@click.argument("username")
@click.password_option(help="The password (asked for when not given).")
@tenant_option
@partner_option
@write_option
def create_user(
    username: str, password: str, tenant: str | None, partner: str | None, write: bool
) -> None:
    settings = Settings()
    url, migrate = ledger_url(settings, demo=False)
    try:
        with open_ledger(url, migrate) as engine, engine.begin() as connection:
            partner_id, tenant_id = scope_ids(connection, tenant, partner)
            principal = create_principal(
                connection, username, partner_id=partner_id, tenant_id=tenant_id, can_write=write
            )
            add_password_user(connection, principal, username, password)
            audit(connection, "principal.create_user", "licensehub user create", principal)
    except IntegrityError as exc:  # said plainly: the statement would show the password hash
        raise click.ClickException(explain(exc).message) from None
    console.print(f"created {describe(principal)}")


@user.command(
    "entra",
    help="Create a principal that Entra ID tokens of one account (--object) or of a whole "
    "directory sign in as; without a scope, an operator. A whole directory may only read.",
)
@click.argument("name")
@click.option(
    "--directory",
    required=True,
    type=click.UUID,
    metavar="TENANT_ID",
    help="The Entra tenant id (the tokens' tid); it must be in LICENSEHUB_OIDC_TENANTS.",
)
@click.option(
    "--object",
    "object_id",
    type=click.UUID,
    metavar="OBJECT_ID",
    help="The account's object id (the tokens' oid): a user or an app's service principal. "
    "Without it, every account of the directory.",
)
@tenant_option
@partner_option
@write_option
def link_entra_identity(
    name: str,
    directory: uuid.UUID,
    object_id: uuid.UUID | None,
    tenant: str | None,
    partner: str | None,
    write: bool,
) -> None:
    if object_id is None and write:
        raise click.UsageError("a whole directory may only read: give --object to allow writes")
    settings = Settings()
    url, migrate = ledger_url(settings, demo=False)
    try:
        with open_ledger(url, migrate) as engine, engine.begin() as connection:
            partner_id, tenant_id = scope_ids(connection, tenant, partner)
            principal = create_principal(
                connection, name, partner_id=partner_id, tenant_id=tenant_id, can_write=write
            )
            link_identity(connection, principal, directory, object_id)
            audit(connection, "principal.link_entra", "licensehub user entra", principal)
    except IntegrityError as exc:
        raise click.ClickException(explain(exc).message) from None
    who = f"account {object_id}" if object_id else "every account"
    console.print(f"created {describe(principal)} for {who} of Entra directory {directory}")
    if directory not in settings.oidc_tenants:
        console.print(
            f"note: {directory} is not in LICENSEHUB_OIDC_TENANTS; its tokens are refused"
        )


@click.group(help="API clients: sign in with POST /oauth2/token (client_credentials).")
def client() -> None:
    pass


@client.command("create", help="Create an API client; prints its id and secret, once.")
@click.argument("name")
@tenant_option
@partner_option
@write_option
def create_client(name: str, tenant: str | None, partner: str | None, write: bool) -> None:
    settings = Settings()
    url, migrate = ledger_url(settings, demo=False)
    with open_ledger(url, migrate) as engine, engine.begin() as connection:
        partner_id, tenant_id = scope_ids(connection, tenant, partner)
        principal = create_principal(
            connection, name, partner_id=partner_id, tenant_id=tenant_id, can_write=write
        )
        keys = load_keys(connection, None)
        client_id, secret = add_api_client(connection, principal, keys.client_secret_key)
        audit(connection, "principal.create_client", "licensehub client create", principal)
    console.print(f"created {describe(principal)}; the secret is shown only now")
    click.echo(f"client_id={client_id}")
    click.echo(f"client_secret={secret}")
