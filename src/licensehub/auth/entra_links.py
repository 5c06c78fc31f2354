"""Which licensehub principal an Entra ID identity stands for.

A link names one identity (directory and object id) or a whole directory. The link naming
the object wins, even when its principal is disabled: disabling someone must not hand them
their directory's principal instead. A whole-directory link only ever reads, so that every
account of a customer's directory cannot write, whatever its principal may.
"""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import Connection, case, insert, select

from licensehub.auth.entra import EntraIdentity
from licensehub.auth.principals import Principal, principal_from_row
from licensehub.ledger.tables import entra_identities, principals


class WholeDirectoryMayNotWrite(ValueError):
    """A link for every account of a directory was asked to write."""


def link_identity(
    connection: Connection,
    principal: Principal,
    directory_id: uuid.UUID,
    object_id: uuid.UUID | None,
) -> None:
    if object_id is None and principal.can_write:
        raise WholeDirectoryMayNotWrite(
            "a whole directory may only read; link its accounts one by one (--object) to write"
        )
    connection.execute(
        insert(entra_identities).values(
            principal_id=principal.id, directory_id=directory_id, object_id=object_id
        )
    )


def linked_principal(connection: Connection, identity: EntraIdentity) -> Principal | None:
    links = entra_identities.c
    whole_directory = links.object_id.is_(None)
    row = connection.execute(
        select(principals, whole_directory.label("whole_directory"))
        .join(entra_identities, links.principal_id == principals.c.id)
        .where(
            links.directory_id == identity.directory_id,
            (links.object_id == identity.object_id) | whole_directory,
        )
        .order_by(case((whole_directory, 1), else_=0))
        .limit(1)
    ).first()
    if row is None or row.disabled_at is not None:
        return None
    principal = principal_from_row(row)
    if row.whole_directory:
        return dataclasses.replace(principal, can_write=False)
    return principal
