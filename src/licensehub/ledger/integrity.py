"""Turn a store's integrity error into one clear sentence naming the rule that was broken.

The schema is the last line of defence (importers validate before they write); when it does
refuse a row, the caller should learn which rule, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Index, Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from licensehub.ledger.tables import metadata

# What each named rule means, for the rules a caller is likely to meet.
MEANINGS = {
    "uq_license_usage_row": "a usage row for this processed date, tenant, product and workload "
    "already exists",
    "uq_subscriptions_current": "the tenant already has a current subscription to this SKU",
    "uq_license_assignments_current": "the user already holds this SKU",
    "uq_tenants_tenant_id": "a tenant with this tenant id already exists",
    "uq_users_tenant_id_object_id": "the tenant already has a user with this object id",
    "uq_password_credentials_username": "a user with this name already exists",
}


@dataclass(frozen=True)
class LedgerConflict(Exception):
    """The ledger refused a write; `rule` names the constraint when the store tells."""

    message: str
    rule: str | None = None

    def __str__(self) -> str:
        return self.message


def unique_rule(table: Table, columns: list[str]) -> str | None:
    candidates: list[UniqueConstraint | Index] = [
        c for c in table.constraints if isinstance(c, UniqueConstraint)
    ]
    candidates += [i for i in table.indexes if i.unique]
    for item in candidates:
        if [c.name for c in item.columns] == columns:
            return str(item.name)
    return None


def rule_from_sqlite(message: str) -> tuple[str, str | None]:
    if match := re.search(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)", message):
        qualified = match.group(1).split(", ")
        table = metadata.tables.get(qualified[0].split(".")[0])
        columns = [name.split(".")[1] for name in qualified]
        return "unique", unique_rule(table, columns) if table is not None else None
    if match := re.search(r"CHECK constraint failed: (\w+)", message):
        return "check", match.group(1)
    if "FOREIGN KEY constraint failed" in message:
        return "foreign_key", None
    if match := re.search(r"NOT NULL constraint failed: ([\w.]+)", message):
        return "not_null", match.group(1)
    return "integrity", None


def rule_from_postgres(error: object) -> tuple[str, str | None]:
    diag = getattr(error, "diag", None)
    kind = {
        "23505": "unique",
        "23503": "foreign_key",
        "23514": "check",
        "23502": "not_null",
    }.get(getattr(error, "sqlstate", "") or "", "integrity")
    name = getattr(diag, "constraint_name", None) or getattr(diag, "column_name", None)
    return kind, name


def explain(exc: IntegrityError) -> LedgerConflict:
    if hasattr(exc.orig, "sqlstate"):
        kind, rule = rule_from_postgres(exc.orig)
    else:
        kind, rule = rule_from_sqlite(str(exc.orig))
    target = re.search(r"(?:INSERT INTO|UPDATE|DELETE FROM|COPY)\s+(\w+)", exc.statement or "")
    table = target.group(1) if target else "the ledger"
    if rule in MEANINGS:
        reason = MEANINGS[rule]
    elif kind == "unique":
        reason = "a row with the same key already exists"
    elif kind == "foreign_key":
        reason = "it refers to a row that does not exist, or is still referred to"
    elif kind == "check":
        reason = "a value is outside what the ledger allows"
    elif kind == "not_null":
        reason = "a required value is missing"
    else:
        reason = "it would make the ledger inconsistent"
    named = f" ({rule})" if rule else ""
    return LedgerConflict(f"{table}: refused, {reason}{named}", rule)
