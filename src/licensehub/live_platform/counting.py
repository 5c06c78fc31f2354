"""rules.count, counted by the database: a service's managed users in each category, in one
statement that answers one row.

rules.py is the reference (tests/live_platform/test_counting.py holds the two equal on any
numbers and users). Reading each of a service's numbers and monitored users into Python to
count them cost more than this statement on both stores, and one round trip more on
PostgreSQL (bench/HISTORY.md).

Each user is a key, as rules.user_key makes it: the ledger's user id as text, or
``target:`` and Teams' id in lower case. A key takes the first category that applies: the
rows of the numbers and of the monitored users flag it, and the flags are taken in order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    union_all,
)

from licensehub.kit.sql_constants import constant
from licensehub.ledger.tables import voice_monitored_users, voice_phone_numbers
from licensehub.live_platform.rules import ASSIGNED, MANAGED_POLICY, Factors, LicenseCounts, counts

# The service whose numbers and users are counted; queries.py binds it in its statements too.
SERVICE: BindParameter[Any] = bindparam("service")
numbers = voice_phone_numbers
monitored = voice_monitored_users


YES, NO = constant(1), constant(0)


def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 or 0: PostgreSQL takes no max() of booleans."""
    return case((condition, YES), else_=NO)


def is_not_empty(text: ColumnElement[Any]) -> ColumnElement[bool]:
    """Neither NULL nor '': what Python takes for true."""
    return func.coalesce(text, constant("")) != constant("")


# rules.user_key: None for a number not assigned to a user. (SQLite's lower() folds ASCII
# letters only, Python's all: Teams' ids are GUIDs.)
USER_KEY = case(
    (
        numbers.c.assignment_status == constant("UserAssigned"),
        func.coalesce(
            cast(numbers.c.user_id, String),
            case(
                (
                    is_not_empty(numbers.c.target_id),
                    constant("target:").concat(func.lower(numbers.c.target_id)),
                )
            ),
        ),
    )
)


def first(*flags: ColumnElement[int]) -> ColumnElement[int]:
    """How many users the last of `flags` claims and none before it does."""
    *before, own = flags
    return func.coalesce(func.sum(flag(and_(own == YES, *(taken == NO for taken in before)))), NO)


# Each count of the service's users and numbers, one row.
Counts = Select[int, int, int, int, int, int, int]


def counts_of(service: ColumnElement[Any]) -> Counts:
    """The one row of counts of the service whose id `service` is."""
    # The service's numbers, each with the user it is assigned to, if any.
    keyed = (
        select(
            USER_KEY.label("key"),
            numbers.c.number_type,
            numbers.c.assignment_status,
            numbers.c.voice_routing_policy,
        )
        .where(numbers.c.service_id == service)
        .cte("keyed")
    )
    direct_routing = keyed.c.number_type == constant("DirectRouting")
    operator_connect = keyed.c.number_type == constant("OperatorConnect")
    managed = or_(
        ~is_not_empty(keyed.c.voice_routing_policy),
        func.lower(keyed.c.voice_routing_policy) == constant(MANAGED_POLICY),
    )
    # Every user with what claims it: its numbers, then its monitoring.
    claims = union_all(
        select(
            keyed.c.key,
            flag(and_(direct_routing, managed)).label("direct_routing"),
            flag(operator_connect).label("operator_connect"),
            NO.label("lifecycle"),
            NO.label("user_interface"),
        ).where(keyed.c.key.is_not(None)),
        select(
            cast(monitored.c.user_id, String),
            NO,
            NO,
            flag(is_not_empty(monitored.c.lifecycle_template)),
            flag(monitored.c.ui_updated_at.is_not(None)),
        ).where(monitored.c.service_id == service),
    ).subquery("claims")
    users = (
        select(
            func.max(claims.c.direct_routing).label("direct_routing"),
            func.max(claims.c.operator_connect).label("operator_connect"),
            func.max(claims.c.lifecycle).label("lifecycle"),
            func.max(claims.c.user_interface).label("user_interface"),
        )
        .group_by(claims.c.key)
        .subquery("users")
    )

    def not_users(number_type: ColumnElement[bool]) -> ColumnElement[int]:
        """The numbers of a type assigned, but not to a user: rules.count's other numbers."""
        return (
            select(func.count())
            .where(
                number_type,
                keyed.c.key.is_(None),
                keyed.c.assignment_status.in_([constant(status) for status in sorted(ASSIGNED)]),
            )
            .scalar_subquery()
        )

    in_order = (users.c.direct_routing, users.c.operator_connect, users.c.lifecycle)
    return select(
        first(users.c.direct_routing).label("direct_routing"),
        first(*in_order[:2]).label("operator_connect_users"),
        not_users(operator_connect).label("operator_connect_others"),
        first(*in_order).label("lifecycle"),
        first(*in_order, users.c.user_interface).label("user_interface"),
        not_users(direct_routing).label("service_numbers"),
        func.count().label("total_monitored"),
    )


COUNTS = counts_of(SERVICE)


def current_counts(connection: Connection, service_id: int, factors: Factors) -> LicenseCounts:
    return counts_in(connection.execute(COUNTS, {"service": service_id}).one(), factors)


def counts_in(row: Row[*tuple[Any, ...]], factors: Factors) -> LicenseCounts:
    """The counts of a row holding counts_of()'s columns."""
    return counts(
        direct_routing=row.direct_routing,
        operator_connect=row.operator_connect_users + row.operator_connect_others,
        lifecycle=row.lifecycle,
        user_interface=row.user_interface,
        service_numbers=row.service_numbers,
        total_monitored=row.total_monitored,
        factors=factors,
    )
