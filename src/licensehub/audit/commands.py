"""`licensehub audit`: the audit trail in the terminal, or as JSON lines for a log shipper."""

from __future__ import annotations

import json
from datetime import datetime

import click
from rich.console import Console
from rich.table import Table

from licensehub.audit.queries import AuditQuery, audit_events_matching
from licensehub.ledger.session import open_ledger
from licensehub.settings import Settings

COLUMNS = ("#", "when (UTC)", "actor", "action", "target", "outcome", "status", "correlation id")


@click.command("audit", help="Show the audit trail: writes, imports and tokens, newest first.")
@click.option("--since", type=click.DateTime(), help="From this time (UTC).")
@click.option("--until", type=click.DateTime(), help="Before this time (UTC).")
@click.option("--actor", help="Only this actor (a principal's name, or cli:USER).")
@click.option("--action", help="Only this action, or a family of them: import, token...")
@click.option("--outcome", type=click.Choice(["succeeded", "refused", "failed"]))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def show_audit(
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
    action: str | None,
    outcome: str | None,
    limit: int,
    as_json: bool,
) -> None:
    settings = Settings()
    query = AuditQuery(since, until, actor, action, outcome, limit=limit)
    with open_ledger(settings.ledger_url, settings.is_embedded) as engine, engine.connect() as c:
        rows = audit_events_matching(c, query)
    if as_json:
        for row in rows:
            event = dict(row._mapping) | {"at": row.at.isoformat()}
            click.echo(json.dumps(event))
        return
    table = Table(title="audit trail")
    for column in COLUMNS:
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            f"{row.at:%Y-%m-%d %H:%M:%S}",
            row.actor,
            row.action,
            row.target,
            row.outcome,
            "" if row.status is None else str(row.status),
            row.correlation_id or "",
        )
    Console().print(table)
