"""The Graph importer: check() reads the export, apply() writes it in the runner's transaction."""

from __future__ import annotations

from sqlalchemy import Connection

from licensehub.importers.base import Counts, ImportRequest, Progress
from licensehub.importers.graph.catalog_additions import update_catalog
from licensehub.importers.graph.check import Checked, check_files
from licensehub.importers.graph.subscriptions import replace_subscriptions
from licensehub.importers.graph.tenant import refuse_if_ledger_is_newer, resolve_tenant
from licensehub.importers.graph.users import replace_users

KIND = "graph"


class GraphImporter:
    kind = KIND

    def check(self, request: ImportRequest, progress: Progress) -> Checked:
        return check_files(request, progress)

    def apply(
        self, connection: Connection, request: ImportRequest, checked: Checked, progress: Progress
    ) -> Counts:
        tenant = resolve_tenant(connection, request, checked)
        refuse_if_ledger_is_newer(connection, tenant, request.now)
        update_catalog(connection, checked)
        parts = []
        if checked.skus is not None:
            parts.append(replace_subscriptions(connection, tenant, checked.skus, request.now))
        if checked.user_files:
            parts.append(replace_users(connection, tenant, checked, request.now, progress))
        for source in request.files:  # users files advance the bar again from the spool
            if source not in checked.user_files:
                progress.advance(source.size)
        return Counts(
            read=checked.read,
            created=sum(part.created for part in parts),
            updated=sum(part.updated for part in parts),
            removed=sum(part.removed for part in parts),
            tenant_id=tenant,
        )


IMPORTER = GraphImporter()
