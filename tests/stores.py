"""The two stores the suite runs on, and a fresh database per test for each.

SQLite is always there. PostgreSQL joins when LICENSEHUB_TEST_DATABASE_URL names a database
whose role may create databases: every test then gets its own database, copied from a
template that the migrations built once per run (and per xdist worker).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from licensehub.ledger.database import make_engine, normalize_url

PG_URL_VARIABLE = "LICENSEHUB_TEST_DATABASE_URL"


def store_names() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_URL_VARIABLE) else ["sqlite"]


# Fills a new database: migrations only, or migrations and the demo.
Builder = Callable[[str], None]


class Store:
    name: str

    def fresh(self, kind: str, build: Builder) -> str:
        """A new database for one test, copied from the template of this kind."""
        raise NotImplementedError

    def drop(self, url: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


@dataclass
class SqliteStore(Store):
    root: Path
    name: str = "sqlite"
    templates: dict[str, Path] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def fresh(self, kind: str, build: Builder) -> str:
        if kind not in self.templates:
            path = self.root / f"template-{kind}.db"
            build(f"sqlite:///{path}")
            self.templates[kind] = path
        copy = self.root / f"test-{next(self.counter)}.db"
        shutil.copyfile(self.templates[kind], copy)
        return f"sqlite:///{copy}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


@dataclass
class PostgresStore(Store):
    url: URL
    worker: str
    name: str = "postgresql"
    templates: dict[str, str] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=itertools.count)
    admin: Engine | None = None

    @classmethod
    def connect(cls, raw_url: str, worker: str) -> PostgresStore:
        # The process id too: two runs against the same database must not share names.
        store = cls(normalize_url(raw_url), f"{worker}_{os.getpid()}")
        store.admin = make_engine(store.url, isolation_level="AUTOCOMMIT")
        with store.admin.connect() as connection:  # unreachable: the suite fails, never skips
            connection.execute(text("SELECT 1"))
        return store

    def database_url(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    # Autovacuum may be busy in a database just copied from a template: CREATE ... TEMPLATE
    # then finds the template "being accessed by other users", and DROP ... WITH (FORCE) could
    # not terminate a superuser's worker. Both pass a moment later.
    @retry(
        retry=retry_if_exception_type(DBAPIError),
        stop=stop_after_attempt(20),
        wait=wait_exponential(multiplier=0.05, max=1),
        reraise=True,
    )
    def execute(self, sql: str) -> None:
        assert self.admin is not None
        with self.admin.connect() as connection:
            connection.execute(text(sql))

    def fresh(self, kind: str, build: Builder) -> str:
        base = self.url.database
        if kind not in self.templates:
            template = f"{base}_{self.worker}_tpl_{kind}"
            self.execute(f'DROP DATABASE IF EXISTS "{template}"')
            self.execute(f'CREATE DATABASE "{template}"')
            build(self.database_url(template))
            self.templates[kind] = template
        name = f"{base}_{self.worker}_t{next(self.counter)}"
        self.execute(f'DROP DATABASE IF EXISTS "{name}"')
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.templates[kind]}"')
        return self.database_url(name)

    def drop(self, url: str) -> None:
        # Without FORCE: PostgreSQL itself stops autovacuum there; a test's own connections
        # are closed by now, and a leaked one fails the drop loudly.
        database = normalize_url(url).database
        self.execute(f'DROP DATABASE IF EXISTS "{database}"')

    def close(self) -> None:
        for template in self.templates.values():
            self.execute(f'DROP DATABASE IF EXISTS "{template}"')
        if self.admin is not None:
            self.admin.dispose()
