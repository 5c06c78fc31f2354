"""The keys that sign tokens and hash client secrets.

LICENSEHUB_SECRET_KEY, when set, signs tokens. Otherwise licensehub generates a key once and
keeps it with the ledger (service_secrets), so every process serving the same database, and
the CLI minting tokens for it, agree. Client secrets are always hashed with a key of the
ledger's own, so that changing the signing key does not lock every API client out.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from licensehub.ledger.database import write_transaction
from licensehub.ledger.tables import service_secrets
from licensehub.ledger.tables.base import utcnow

SIGNING_KEY = "token_signing_key"
CLIENT_SECRET_KEY = "client_secret_hash_key"


@dataclass(frozen=True)
class Keys:
    signing_key: str
    client_secret_key: bytes

    def __repr__(self) -> str:  # never print a key, even by accident
        return "Keys(<hidden>)"


def stored_secret(connection: Connection, name: str) -> str:
    """The named secret, generated on first use; concurrent first uses agree on one value."""
    query = select(service_secrets.c.value).where(service_secrets.c.name == name)
    found = connection.execute(query).scalar()
    if found is not None:  # the usual case: a read, which never waits for a writer
        return str(found)
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(
        insert(service_secrets)
        .values(name=name, value=secrets.token_urlsafe(48), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return str(connection.execute(query).scalar_one())


def load_keys(connection: Connection, configured_signing_key: str | None) -> Keys:
    signing_key = configured_signing_key or stored_secret(connection, SIGNING_KEY)
    return Keys(signing_key, stored_secret(connection, CLIENT_SECRET_KEY).encode())


class KeysUnavailable(Exception):
    """The ledger cannot be reached, or has no place for keys yet (not migrated)."""


@dataclass
class KeyRing:
    """Loads the keys on first use and keeps them; a ledger that is down or not migrated yet
    is tried again on the next request rather than failing the start."""

    engine: Engine
    configured_signing_key: str | None
    _keys: Keys | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> Keys:
        if self._keys is None:
            with self._lock:
                if self._keys is None:
                    try:
                        with write_transaction(self.engine) as connection:
                            self._keys = load_keys(connection, self.configured_signing_key)
                    except SQLAlchemyError as exc:
                        raise KeysUnavailable(str(exc)) from exc
        return self._keys
