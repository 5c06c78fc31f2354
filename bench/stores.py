"""The two stores a benchmark runs on: an SQLite file here, and PostgreSQL from
LICENSEHUB_BENCH_DATABASE_URL or else the machine's own cluster, started and given a role
the way .ci/run does it."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from licensehub.ledger.database import normalize_url

WORK = Path(__file__).resolve().parent / ".work"
PG_VARIABLE = "LICENSEHUB_BENCH_DATABASE_URL"
ROLE = "licensehub_bench"


class StoreUnavailable(RuntimeError):
    pass


def work_file(name: str) -> Path:
    """A file of the bench's own (data, databases, replays), in a folder made when missing:
    a fresh clone has none, and a run on PostgreSQL alone makes no SQLite file first."""
    WORK.mkdir(exist_ok=True)
    return WORK / name


def sqlite_url(name: str) -> str:
    return f"sqlite:///{work_file(f'{name}.db')}"


def as_postgres(sql: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
    )


def role_password() -> str:
    """Made once and kept for the machine's user, not the checkout: runs side by side share
    the role, from one checkout or two (one kept in each set the role's password in turn,
    and the other run's next connection was refused)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    kept = cache / "licensehub-bench" / "postgres-password"
    kept.parent.mkdir(parents=True, exist_ok=True)
    if not kept.exists():
        kept.write_text(secrets.token_hex(16))
        kept.chmod(0o600)
    return kept.read_text().strip()


def local_postgres_server() -> str:
    """Start the machine's PostgreSQL (Debian's pg_ctlcluster) and return a URL of a role
    that may create databases."""
    if shutil.which("pg_ctlcluster") is None or shutil.which("runuser") is None:
        raise StoreUnavailable(f"no local PostgreSQL cluster; set {PG_VARIABLE}")
    versions = sorted(Path("/etc/postgresql").glob("*/main"))
    if not versions:
        raise StoreUnavailable(f"no PostgreSQL cluster in /etc/postgresql; set {PG_VARIABLE}")
    version = versions[-1].parent.name
    subprocess.run(["pg_ctlcluster", version, "main", "start"], capture_output=True)
    for _ in range(30):
        ready = subprocess.run(["runuser", "-u", "postgres", "--", "pg_isready", "-q"])
        if ready.returncode == 0:
            break
        time.sleep(1)
    password = role_password()
    as_postgres(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
        f"CREATE ROLE {ROLE} LOGIN CREATEDB; END IF; END $$; "
        f"ALTER ROLE {ROLE} WITH LOGIN CREATEDB PASSWORD '{password}';"
        # DROP DATABASE ... WITH (FORCE) ends the sessions on a fresh import ledger, an
        # autovacuum worker's too, which takes this role (PostgreSQL 15 refused the drop).
        f"GRANT pg_signal_backend TO {ROLE};"
    )
    return f"postgresql://{ROLE}:{password}@127.0.0.1:5432/postgres"


def postgres_url(name: str) -> str:
    """A database of this name on the bench's server, created when missing."""
    server = os.environ.get(PG_VARIABLE) or local_postgres_server()
    maintenance = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        maintenance.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def database_url(store: str, name: str) -> str:
    return sqlite_url(name) if store == "sqlite" else postgres_url(name)
