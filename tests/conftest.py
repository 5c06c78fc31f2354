"""Fixtures: real stores, a fresh database per test, and the real app on top."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from licensehub.app import create_app
from licensehub.demo.build import build_into
from licensehub.ledger.database import make_engine
from licensehub.ledger.migrate import upgrade
from licensehub.settings import Settings
from tests.stores import PG_URL_VARIABLE, PostgresStore, SqliteStore, Store, store_names

# The demo in tests is always built as of this day, so that expected numbers stay put.
DEMO_AS_OF = date(2026, 11, 21)


def migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def build_demo_database(url: str) -> None:
    engine = make_engine(url)
    try:
        build_into(engine, DEMO_AS_OF)
    finally:
        engine.dispose()


def pytest_report_header(config: pytest.Config) -> str:
    return "stores: " + ", ".join(store_names())


def pytest_sessionstart(session: pytest.Session) -> None:
    # CI must exercise both stores: a missing PostgreSQL there is a failure, not a skip.
    if os.environ.get("CI") and not os.environ.get(PG_URL_VARIABLE):
        raise pytest.UsageError(f"CI is set but {PG_URL_VARIABLE} is not: PostgreSQL is required")


@pytest.fixture(scope="session")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    made: dict[str, Store] = {"sqlite": SqliteStore(tmp_path_factory.mktemp("sqlite"))}
    if raw := os.environ.get(PG_URL_VARIABLE):
        try:
            made["postgresql"] = PostgresStore.connect(raw, worker)
        except DBAPIError as exc:  # a store that was named but cannot be reached fails the run
            pytest.fail(f"{PG_URL_VARIABLE} is set but PostgreSQL is unreachable: {exc}")
    yield made
    for store in made.values():
        store.close()


@pytest.fixture(params=store_names())
def store(request: pytest.FixtureRequest, stores: dict[str, Store]) -> Store:
    return stores[request.param]


@pytest.fixture
def ledger_url(store: Store) -> Iterator[str]:
    """An empty ledger at the current schema, for this test alone."""
    url = store.fresh("ledger", migrate)
    yield url
    store.drop(url)


@pytest.fixture
def demo_url(store: Store) -> Iterator[str]:
    """The demo ledger (as of DEMO_AS_OF), for this test alone."""
    url = store.fresh("demo", build_demo_database)
    yield url
    store.drop(url)


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    made = make_engine(ledger_url)
    yield made
    made.dispose()


@pytest.fixture
def demo_engine(demo_url: str) -> Iterator[Engine]:
    made = make_engine(demo_url)
    yield made
    made.dispose()


ClientFactory = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def make_client(tmp_path: Path) -> ClientFactory:
    """The real app over a database URL, driven through its ASGI interface."""

    @contextmanager
    def factory(url: str, **settings: object) -> Iterator[TestClient]:
        app = create_app(Settings(database_url=url, data_dir=tmp_path, **settings))
        with TestClient(app) as client:
            yield client

    return factory


@pytest.fixture
def client(make_client: ClientFactory, ledger_url: str) -> Iterator[TestClient]:
    with make_client(ledger_url) as made:
        yield made


@pytest.fixture
def demo_client(make_client: ClientFactory, demo_url: str) -> Iterator[TestClient]:
    with make_client(demo_url) as made:
        yield made
