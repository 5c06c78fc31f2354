"""Constants written into the SQL: inline on both stores' dialects, and only the safe ones."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from licensehub.kit.sql_constants import constant


def test_constants_are_written_into_the_sql_and_read_back(engine: Engine) -> None:
    statement = select(constant("Rental"), constant(""), constant(0), constant(42))
    sql = str(statement.compile(engine))
    assert "'Rental'" in sql
    assert "42" in sql
    assert statement.compile(engine).params == {}  # nothing bound
    with engine.connect() as connection:
        assert tuple(connection.execute(statement).one()) == ("Rental", "", 0, 42)


@pytest.mark.parametrize("value", ["it's", True, 1.5, None])
def test_only_a_quoteless_string_or_an_int(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        constant(value)  # type: ignore[arg-type]
