"""`licensehub import KIND FILE...` and `licensehub imports`."""

from __future__ import annotations

import uuid
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from licensehub.audit.events import cli_actor, cli_event, record
from licensehub.auth.principals import Principal, UnknownScope, resolve_partner
from licensehub.auth.tenant_scope import TenantScope
from licensehub.importers import REGISTRY
from licensehub.importers.base import ImportRequest, NoProgress, SourceFile
from licensehub.importers.base import Progress as ProgressSink
from licensehub.importers.runner import ImportFailed, run_import, terminal_progress
from licensehub.ledger.session import open_ledger
from licensehub.ledger.tables import imports as import_records
from licensehub.ledger.tables.base import utcnow
from licensehub.settings import Settings

console = Console(stderr=True)
CLI_OPERATOR = Principal(id=0, kind="operator", name="cli")
PERIODS = ("D7", "D30", "D90", "D180")


@click.command(
    "import",
    help="Import files into the ledger: KIND is catalog, graph, activity, usage, "
    "teams-numbers or veeam. Each "
    "import is checked whole first and lands whole or not at all.",
)
@click.argument("kind", type=click.Choice(sorted(REGISTRY)))
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--tenant", metavar="TENANT_ID", help="The tenant the files are about (GUID).")
@click.option(
    "--partner", metavar="PARTNER", help="Create unknown tenants under this partner (number or id)."
)
@click.option(
    "--period",
    type=click.Choice(PERIODS, case_sensitive=False),
    default="D30",
    show_default=True,
    help="activity: the report's period.",
)
@click.option("--tenant-name", help="graph: the name of a tenant the import creates.")
@click.option(
    "--service", metavar="GUID", help="teams-numbers: the voice service's umpCustomerGuid."
)
@click.option("--organization", metavar="GUID", help="veeam: the backup organization's id.")
def import_files(
    kind: str,
    files: tuple[Path, ...],
    tenant: str | None,
    partner: str | None,
    period: str,
    tenant_name: str | None,
    service: str | None,
    organization: str | None,
) -> None:
    settings = Settings()
    try:
        tenant_guid = uuid.UUID(tenant) if tenant else None
    except ValueError:
        raise click.BadParameter(f"{tenant!r} is not a GUID", param_hint="--tenant") from None
    with open_ledger(settings.ledger_url, settings.is_embedded) as engine:
        partner_id = None
        if partner:
            with engine.connect() as connection:
                try:
                    partner_id = resolve_partner(connection, partner)
                except UnknownScope as exc:
                    raise click.BadParameter(str(exc), param_hint="--partner") from None
        options = {"period": period.upper()}
        if tenant_name:
            options["tenant_name"] = tenant_name
        if service:
            options["service"] = service
        if organization:
            options["organization"] = organization
        request = ImportRequest(
            kind=kind,
            files=[SourceFile(path.name, path) for path in files],
            scope=TenantScope(CLI_OPERATOR),
            principal=None,
            now=utcnow(),
            tenant=tenant_guid,
            partner_id=partner_id,
            options=options,
        )
        target = "licensehub import " + " ".join([kind, *(path.name for path in files)])
        try:
            if console.is_terminal:
                with terminal_progress(request, console) as progress:
                    outcome = run_import(engine, request, cli_actor(), progress)
            else:
                sink: ProgressSink = NoProgress()
                outcome = run_import(engine, request, cli_actor(), sink)
        except ImportFailed as failure:
            detail = f"import #{failure.import_id}: {failure}"
            record(engine, cli_event(f"import.{kind}", target, "refused", detail))
            raise click.ClickException(
                f"import #{failure.import_id} failed, nothing changed: {failure}"
            ) from None
        detail = f"import #{outcome.import_id}: {outcome.summary(kind)}"
        record(engine, cli_event(f"import.{kind}", target, "succeeded", detail))
    click.echo(outcome.summary(kind))


@click.command("imports", help="List the latest imports: when, what, by whom, with what result.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def list_imports(limit: int) -> None:
    settings = Settings()
    with open_ledger(settings.ledger_url, settings.is_embedded) as engine, engine.connect() as c:
        rows = c.execute(
            select(import_records).order_by(import_records.c.id.desc()).limit(limit)
        ).all()
    table = Table(title="imports")
    for column in ("#", "when", "kind", "by", "files", "status", "read", "created", "updated",
                   "removed", "rejected", "message"):  # fmt: skip
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            f"{row.started_at:%Y-%m-%d %H:%M}",
            row.kind,
            row.actor,
            row.files,
            row.status,
            *(str(n) for n in (row.rows_read, row.rows_created, row.rows_updated,
                               row.rows_removed, row.rows_rejected)),
            row.message or "",
        )  # fmt: skip
    Console().print(table)
