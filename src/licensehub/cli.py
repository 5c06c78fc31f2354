"""The command line: the front door to licensehub.

licensehub serve [--host] [--port] [--demo]
licensehub demo [--as-of DATE]
licensehub db upgrade | current
"""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta

import click
from rich.console import Console
from rich.table import Table

from licensehub import __version__
from licensehub.demo.principals import DEMO_PASSWORD
from licensehub.kit.logging import configure as configure_logging
from licensehub.ledger.database import normalize_url
from licensehub.ledger.session import open_ledger
from licensehub.settings import Settings, default_data_dir

console = Console(stderr=True)
DEMO_TOKEN_LIFETIME = timedelta(hours=24)

STORAGE_HELP = f"""
The ledger is embedded SQLite at {default_data_dir() / "licensehub.db"} unless
LICENSEHUB_DATABASE_URL names another database (e.g. postgresql://user:pass@host/db);
LICENSEHUB_DATA_DIR moves the embedded files. The demo lives apart, in demo.db beside it.
"""


def today() -> date:
    return datetime.now(UTC).date()


# Commands imported when they run, by "module:attribute".
ON_DEMAND = {
    "audit": "licensehub.audit.commands:show_audit",
    "client": "licensehub.auth.commands:client",
    "import": "licensehub.importers.commands:import_files",
    "imports": "licensehub.importers.commands:list_imports",
    "token": "licensehub.auth.commands:token",
    "user": "licensehub.auth.commands:user",
}


class CommandsOnDemand(click.Group):
    """A group whose other commands are imported when they run (or --help lists them):
    `licensehub import` of a million rows need not load what `token` or `audit` use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *ON_DEMAND])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in ON_DEMAND:
            return super().get_command(ctx, name)
        module, _, attribute = ON_DEMAND[name].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(
    cls=CommandsOnDemand,
    help="licensehub: one ledger of Microsoft cloud licenses.\n" + STORAGE_HELP,
)
@click.version_option(__version__, prog_name="licensehub")
def main() -> None:
    pass


@main.command(help="Serve the API. The embedded ledger is migrated on start.\n" + STORAGE_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--demo", is_flag=True, help="Rebuild the demo database and serve it instead.")
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="With --demo: the day the demo's dates are relative to (default: today).",
)
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False),
    help="Serve HTTPS with this certificate (PEM), e.g. on port 4443 for Veeam clients.",
)
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="Its private key.")
def serve(
    host: str,
    port: int,
    demo: bool,
    as_of: datetime | None,
    tls_cert: str | None,
    tls_key: str | None,
) -> None:
    if as_of is not None and not demo:
        raise click.UsageError("--as-of goes with --demo")
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    scheme = "https" if tls_cert else "http"
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    if demo:
        from licensehub.demo.build import build_demo  # see demo(): it loads the web stack

        summary = build_demo(settings.demo_url, as_of.date() if as_of else today())
        console.print(
            f"[bold]demo[/] rebuilt as of {summary.as_of}: {summary.counts['tenants']} tenants, "
            f"{summary.counts['users']} users, {summary.counts['license_usage']} usage rows"
        )
        # The demo signs with its own stored key, never a configured one: its admin password
        # is published, so its tokens must not open a real ledger that shares the key.
        settings = settings.model_copy(
            update={"database_url": settings.demo_url, "secret_key": None}
        )
        announce_demo(settings, base_url(host, port, scheme))
    elif settings.is_embedded:
        upgrade_ledger(settings)
    console.print(f"[bold]licensehub[/] serving on {base_url(host, port, scheme)}  (docs: /docs)")
    # Imported here: the other commands (imports above all) need not load the web stack.
    import uvicorn

    from licensehub.app import create_app

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        proxy_headers=False,  # licensehub's ForwardedHeaders middleware decides whom to trust
        access_log=False,  # licensehub logs each request itself, with its correlation id
        log_config=None,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
    )


def base_url(host: str, port: int, scheme: str = "http") -> str:
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    return f"{scheme}://{shown}:{port}"


def announce_demo(settings: Settings, url: str) -> None:
    """A ready token and a first request, so the demo can be tried at once."""
    from licensehub.auth.commands import cli_principal
    from licensehub.auth.keys import load_keys
    from licensehub.auth.tokens import issue_access_token

    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    with open_ledger(settings.ledger_url, migrate=False) as engine, engine.begin() as connection:
        principal = cli_principal(connection, None, None, write=False)
        keys = load_keys(connection, secret)
        token, _, _ = issue_access_token(keys, principal, DEMO_TOKEN_LIFETIME)
    console.print(
        f"\nA read-only operator token for the demo (valid 24 hours):\n{token}\n\n"
        f"First request to try:\n"
        f'  curl -s -H "Authorization: Bearer {token}" {url}/v1/customers\n\n'
        f"Or sign in as a Veeam client would (demo user admin / {DEMO_PASSWORD}):\n"
        f"  curl -s -d grant_type=password -d username=admin -d password={DEMO_PASSWORD} "
        f"{url}/v6/token\n",
        soft_wrap=True,
    )


@main.command(help="Build the demo ledger in a database of its own.\n" + STORAGE_HELP)
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The day the demo's dates are relative to (default: today).",
)
@click.option(
    "--database-url",
    help="Build the demo here instead: an empty database, or one built by this command.",
)
def demo(as_of: datetime | None, database_url: str | None) -> None:
    # Imported here: the demo's voice history is read as the Live Platform API reads it,
    # which loads the web stack; the other commands (imports above all) need not.
    from licensehub.demo.build import NotADemoDatabase, build_demo

    settings = Settings()
    url = database_url or settings.demo_url
    try:
        summary = build_demo(url, as_of.date() if as_of else today())
    except NotADemoDatabase as exc:
        raise click.ClickException(f"{exc}; the demo never writes into a real ledger") from exc
    table = Table(title=f"demo as of {summary.as_of}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in summary.counts.items():
        table.add_row(name, str(count))
    Console().print(table)
    console.print(f"demo database: {normalize_url(url).render_as_string(hide_password=True)}")


@main.group(help="The ledger's schema.\n" + STORAGE_HELP)
def db() -> None:
    pass


def upgrade_ledger(settings: Settings) -> str | None:
    from licensehub.ledger.migrate import current_revision  # Alembic: only where needed

    with open_ledger(settings.ledger_url, migrate=True) as engine, engine.connect() as connection:
        return current_revision(connection)


@db.command("upgrade", help="Migrate the ledger to the current schema.")
def db_upgrade() -> None:
    revision = upgrade_ledger(Settings())
    console.print(f"ledger at schema {revision}")


@db.command("current", help="Show the ledger's schema revision and the newest one.")
def db_current() -> None:
    from licensehub.ledger.migrate import current_revision, head_revision

    with open_ledger(Settings().ledger_url, migrate=False) as engine, engine.connect() as c:
        revision = current_revision(c)
    click.echo(f"current: {revision or '(empty)'}")
    click.echo(f"head:    {head_revision()}")
