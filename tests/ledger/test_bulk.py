"""Bulk loads store exactly what SQLAlchemy's own inserts store, on both stores."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from licensehub.ledger.bulk import RowIds, insert_rows
from licensehub.ledger.database import write_transaction
from licensehub.ledger.integrity import explain
from licensehub.ledger.tables import partners, tenants, users

NOW = datetime(2026, 11, 29, 17, 0, 0, 123456, tzinfo=UTC)


def add_tenant(engine: Engine) -> int:
    with engine.begin() as connection:
        partner = connection.execute(
            insert(partners).values(name="Bulk Partner").returning(partners.c.id)
        ).scalar_one()
        return int(
            connection.execute(
                insert(tenants)
                .values(
                    tenant_id=uuid.uuid4(),
                    partner_id=partner,
                    name="Bulk Tenant",
                    created_at=NOW,
                    updated_at=NOW,
                )
                .returning(tenants.c.id)
            ).scalar_one()
        )


def test_bulk_rows_read_back_as_sqlalchemys_own(engine: Engine) -> None:
    tenant = add_tenant(engine)
    ours, theirs = uuid.uuid4(), uuid.uuid4()
    other_zone = NOW.astimezone(timezone(timedelta(hours=-5)))  # stored as UTC all the same
    with write_transaction(engine) as connection:
        connection.execute(
            insert(users).values(
                tenant_id=tenant, object_id=theirs, user_principal_name="a@x.example",
                display_name=None, account_enabled=False, created_at=other_zone,
            )
        )  # fmt: skip
        [row_id] = RowIds(connection, users).take(1)
        insert_rows(
            connection,
            users,
            ("id", "object_id", "user_principal_name", "display_name", "account_enabled"),
            [(row_id, ours, "a@x.example", None, False)],
            same={"tenant_id": tenant, "created_at": other_zone},
        )
    columns = (users.c.tenant_id, users.c.user_principal_name, users.c.display_name)
    read = (*columns, users.c.account_enabled, users.c.created_at, users.c.deleted_at)
    with engine.connect() as connection:
        rows = {
            row.object_id: tuple(row)[1:]
            for row in connection.execute(select(users.c.object_id, *read))
        }
        found = connection.execute(select(users.c.id).where(users.c.object_id == ours))
        assert found.scalar_one() == row_id
    assert rows[ours] == rows[theirs] == (tenant, "a@x.example", None, False, NOW, None)


def test_repeating_columns_store_what_each_value_would_alone(engine: Engine) -> None:
    """A repeating column converts each distinct value once: the same instant in another zone
    is the same value, stored as UTC; None stays None; a naive datetime is still refused."""
    tenant = add_tenant(engine)
    other_zone = NOW.astimezone(timezone(timedelta(hours=9)))
    later = NOW + timedelta(days=1)
    columns = ("object_id", "user_principal_name", "created_at", "deleted_at")
    rows = [
        (uuid.uuid4(), f"r{n}@x.example", created, deleted)
        for n, (created, deleted) in enumerate(
            [(NOW, None), (other_zone, later), (later, None), (NOW, later)]
        )
    ]
    with write_transaction(engine) as connection:
        insert_rows(connection, users, columns, rows, {"tenant_id": tenant}, repeating=columns[2:])
    with engine.connect() as connection:
        stored = connection.execute(
            select(users.c.created_at, users.c.deleted_at).order_by(users.c.user_principal_name)
        ).all()
    assert [tuple(row) for row in stored] == [
        (NOW, None),
        (NOW, later),
        (later, None),
        (NOW, later),
    ]
    naive = [
        (uuid.uuid4(), "n@x.example", NOW, None),
        (uuid.uuid4(), "m@x.example", NOW.replace(tzinfo=None), None),
    ]
    with pytest.raises(ValueError, match="naive"), write_transaction(engine) as connection:
        insert_rows(connection, users, columns, naive, {"tenant_id": tenant}, repeating=columns[2:])


def test_uuids_given_as_hex_read_back_as_the_same_uuids(engine: Engine) -> None:
    tenant = add_tenant(engine)
    ids = [uuid.uuid4(), uuid.UUID(int=1), uuid.UUID(int=2**128 - 1)]
    rows = [(f"{guid.int:032x}", f"h{n}@x.example") for n, guid in enumerate(ids)]
    columns = ("object_id", "user_principal_name")
    with write_transaction(engine) as connection:
        same = {"tenant_id": tenant, "created_at": NOW}
        insert_rows(connection, users, columns, rows, same, hex_uuids=("object_id",))
    with engine.connect() as connection:
        stored = connection.execute(
            select(users.c.object_id).order_by(users.c.user_principal_name)
        ).scalars()
        assert list(stored) == ids
        found = connection.execute(select(users.c.id).where(users.c.object_id == ids[0]))
        assert found.scalar_one() is not None  # compared as SQLAlchemy's own inserts compare
    with pytest.raises(TypeError, match="not a UUID column"), engine.begin() as connection:
        insert_rows(connection, users, columns, rows, hex_uuids=("user_principal_name",))


def test_ids_taken_are_free_and_never_handed_out_twice(engine: Engine) -> None:
    tenant = add_tenant(engine)
    columns = ("id", "object_id", "user_principal_name")
    with write_transaction(engine) as connection:
        ids = RowIds(connection, users)
        first, second = ids.take(3), ids.take(2)  # the second before the first is inserted
        assert ids.take(0) == []
        taken = first + second
        assert len(set(taken)) == 5
        rows = [(row_id, uuid.uuid4(), f"u{row_id}@x.example") for row_id in taken]
        same = {"tenant_id": tenant, "created_at": NOW}
        insert_rows(connection, users, columns, rows, same)
        # A row inserted the ordinary way afterwards gets an id none of them has.
        later = connection.execute(
            insert(users)
            .values(tenant_id=tenant, object_id=uuid.uuid4(), user_principal_name="l@x.example")
            .returning(users.c.id)
        ).scalar_one()
    assert later not in taken
    with engine.connect() as connection:
        assert len(connection.execute(select(users.c.id)).all()) == 6


def test_no_rows_insert_nothing(engine: Engine) -> None:
    with write_transaction(engine) as connection:
        insert_rows(connection, users, ("id",), [])
    with engine.connect() as connection:
        assert connection.execute(select(users.c.id)).first() is None


def test_a_row_the_store_refuses_raises_sqlalchemys_error_naming_its_table(engine: Engine) -> None:
    """COPY goes through psycopg's own cursor: its errors must still reach the runner as
    SQLAlchemy's, which it explains and records (on SQLite executemany already does)."""
    tenant, twin = add_tenant(engine), uuid.uuid4()
    rows = [(twin, "a@x.example"), (twin, "b@x.example")]  # one object id twice in a tenant
    same = {"tenant_id": tenant, "created_at": NOW}
    with pytest.raises(IntegrityError) as refused, write_transaction(engine) as connection:
        insert_rows(connection, users, ("object_id", "user_principal_name"), rows, same)
    assert explain(refused.value).message.startswith("users: refused")
    with engine.connect() as connection:
        assert connection.execute(select(users.c.id)).first() is None


def test_a_naive_datetime_is_refused_on_both_stores(engine: Engine) -> None:
    tenant = add_tenant(engine)
    naive = {"tenant_id": tenant, "created_at": NOW.replace(tzinfo=None)}
    rows = [(uuid.uuid4(), "n@x.example")]
    with pytest.raises(ValueError, match="naive"), write_transaction(engine) as connection:
        insert_rows(connection, users, ("object_id", "user_principal_name"), rows, naive)


def test_ids_taken_after_an_ordinary_insert_are_past_it(engine: Engine) -> None:
    tenant = add_tenant(engine)
    columns, same = (
        ("id", "object_id", "user_principal_name"),
        {"tenant_id": tenant, "created_at": NOW},
    )
    with write_transaction(engine) as connection:
        ids = RowIds(connection, users)
        [first] = ids.take(1)
        insert_rows(connection, users, columns, [(first, uuid.uuid4(), "f@x.example")], same)
        ordinary = connection.execute(
            insert(users)
            .values(tenant_id=tenant, object_id=uuid.uuid4(), user_principal_name="o@x.example")
            .returning(users.c.id)
        ).scalar_one()
        [second] = ids.take(1)
        insert_rows(connection, users, columns, [(second, uuid.uuid4(), "s@x.example")], same)
    assert len({first, ordinary, second}) == 3


def test_ids_two_writers_take_at_once_never_collide(engine: Engine) -> None:
    """PostgreSQL hands ids out from the sequence to concurrent imports; SQLite's second
    writer waits for the first (BEGIN IMMEDIATE), so there the two run one after the other."""
    tenant = add_tenant(engine)
    columns, same = (
        ("id", "object_id", "user_principal_name"),
        {"tenant_id": tenant, "created_at": NOW},
    )
    if engine.dialect.name != "postgresql":
        for _ in range(2):
            with write_transaction(engine) as connection:
                taken = RowIds(connection, users).take(3)
                rows = [(row_id, uuid.uuid4(), f"u{row_id}@x.example") for row_id in taken]
                insert_rows(connection, users, columns, rows, same)
    else:
        with write_transaction(engine) as first, write_transaction(engine) as second:
            ours, theirs = RowIds(first, users).take(3), RowIds(second, users).take(3)
            for connection, taken in ((second, theirs), (first, ours)):  # out of order
                rows = [(row_id, uuid.uuid4(), f"u{row_id}@x.example") for row_id in taken]
                insert_rows(connection, users, columns, rows, same)
    with engine.connect() as connection:
        assert len(set(connection.execute(select(users.c.id)).scalars())) == 6
