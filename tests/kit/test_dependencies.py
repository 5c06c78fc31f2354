"""The turn at the ledger that endpoints declare: one transaction open at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, insert, select, text

from licensehub.kit.dependencies import Turn
from licensehub.ledger.tables import partners

Opener = Callable[[Turn], AbstractContextManager[Connection]]
OPENERS: dict[str, Opener] = {
    "reading": lambda turn: turn.reading(),
    "writing": lambda turn: turn.writing(),
}


@pytest.fixture
def turn(engine: Engine) -> Iterator[Turn]:
    yield Turn(engine)
    assert engine.pool.checkedout() == 0  # every connection given back


@pytest.mark.parametrize("second", OPENERS)
@pytest.mark.parametrize("first", OPENERS)
def test_a_second_transaction_while_one_is_open_is_refused(
    turn: Turn, first: str, second: str
) -> None:
    with OPENERS[first](turn) as ledger:
        with (
            pytest.raises(RuntimeError, match="already has a transaction open"),
            OPENERS[second](turn),
        ):
            pytest.fail("a second transaction was opened")  # pragma: no cover
        # The refusal touched neither the open transaction nor the pool.
        assert ledger.execute(text("SELECT 1")).scalar_one() == 1
        assert turn.engine.pool.checkedout() == 1


@pytest.mark.parametrize("opener", OPENERS)
def test_transactions_one_after_another_are_fine(turn: Turn, opener: str) -> None:
    for _ in range(3):
        with OPENERS[opener](turn) as ledger:
            assert ledger.in_transaction()


@pytest.mark.parametrize("opener", OPENERS)
def test_a_transaction_that_failed_frees_the_turn(turn: Turn, opener: str) -> None:
    with pytest.raises(ZeroDivisionError), OPENERS[opener](turn):
        _ = 1 / 0
    with turn.reading() as ledger:
        assert ledger.execute(text("SELECT 1")).scalar_one() == 1


def test_a_transaction_that_could_not_open_frees_the_turn(
    turn: Turn, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*_: Any, **__: Any) -> Connection:
        raise ConnectionError("the database is away")

    with monkeypatch.context() as patched:
        patched.setattr(turn.engine, "connect", unreachable)
        with pytest.raises(ConnectionError), turn.reading():
            pass  # pragma: no cover
    with turn.writing() as ledger:
        assert ledger.execute(text("SELECT 1")).scalar_one() == 1


def isolation(ledger: Connection) -> str | None:
    if ledger.dialect.name != "postgresql":
        return None
    return str(ledger.execute(text("SHOW transaction_isolation")).scalar_one())


def test_a_snapshot_read_sees_the_ledger_as_at_its_first_statement(turn: Turn) -> None:
    def count(ledger: Connection) -> int:
        return int(ledger.execute(select(func.count()).select_from(partners)).scalar_one())

    with turn.reading(snapshot=True) as ledger:
        first = count(ledger)
        with turn.engine.begin() as other:  # an import committing meanwhile
            other.execute(insert(partners).values(name="Late"))
        assert count(ledger) == first
    with turn.reading() as ledger:
        assert count(ledger) == first + 1


def test_a_snapshot_read_is_repeatable_read_on_postgresql(turn: Turn) -> None:
    """Only the snapshot read asks for it; the pooled connection goes back to the default."""
    expected = {"postgresql": "repeatable read"}.get(turn.engine.dialect.name)
    with turn.reading(snapshot=True) as ledger:
        assert isolation(ledger) == expected
        pooled = ledger.connection.dbapi_connection
    for opener in OPENERS.values():
        with opener(turn) as ledger:
            assert ledger.connection.dbapi_connection is pooled  # the same one, given back
            assert isolation(ledger) in (None, "read committed")


def test_a_plain_read_sends_no_begin_or_commit(turn: Turn) -> None:
    """Each statement is a transaction of its own, as READ COMMITTED makes it a snapshot of
    its own: a transaction would only add BEGIN and COMMIT (on PostgreSQL a round trip each,
    on SQLite a statement through SQLAlchemy). A snapshot read has its transaction."""
    if turn.engine.dialect.name == "postgresql":
        own = text("SELECT transaction_timestamp() = statement_timestamp()")
        with turn.reading() as ledger:
            ledger.execute(text("SELECT pg_sleep(0.01)"))
            assert ledger.execute(own).scalar_one()  # began with this statement
        with turn.reading(snapshot=True) as ledger:
            ledger.execute(text("SELECT pg_sleep(0.01)"))
            assert not ledger.execute(own).scalar_one()  # in the transaction begun before
        return
    with turn.reading() as ledger:
        assert ledger.execute(select(func.count()).select_from(partners)).scalar_one() >= 0
        assert not ledger.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
    with turn.reading(snapshot=True) as ledger:
        assert ledger.execute(select(func.count()).select_from(partners)).scalar_one() >= 0
        assert ledger.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
    with turn.writing() as ledger:
        assert ledger.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
