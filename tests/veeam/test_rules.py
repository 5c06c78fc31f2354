"""The licensing rules on their own: the 31-day window, New, the limit and the grace."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from licensehub.veeam.rules import (
    GRACE,
    WINDOW,
    License,
    ProtectedUser,
    license_states,
    licensing_information,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
SUBSCRIPTION = License("Subscription", limit=3)
PERIOD = NOW - timedelta(days=20)
RENTAL = License("Rental", limit=3, period_started_at=PERIOD)


def user(n: int, first_days_ago: float, last: datetime | None = NOW) -> ProtectedUser:
    return ProtectedUser(uuid.UUID(int=n), NOW - timedelta(days=first_days_ago), last)


def test_a_user_is_in_use_while_last_backed_up_less_than_31_days_ago() -> None:
    edge = user(1, 100, last=NOW - WINDOW)
    inside = user(2, 100, last=NOW - WINDOW + SECOND)
    never = user(3, 100, last=None)
    states = license_states([edge, inside, never], SUBSCRIPTION, NOW)
    assert states == {inside.id: "Licensed"}
    info = licensing_information([edge, inside, never], SUBSCRIPTION, NOW)
    assert (info.licensed_users, info.new_users) == (1, 0)


def test_within_the_limit_the_first_in_are_licensed_past_it_the_grace_decides() -> None:
    old = [user(n, 400 - n) for n in range(1, 4)]  # the first three in: Licensed
    late_old = user(10, 200)  # past the limit, took its license long ago
    graced = user(11, 29)  # past the limit, within 30 days
    users = [graced, late_old, *old]
    states = license_states(users, SUBSCRIPTION, NOW)
    assert [states[u.id] for u in old] == ["Licensed"] * 3
    assert states[late_old.id] == "Exceeded"
    assert states[graced.id] == "TemporarilyAssigned"
    # Those past the limit still count.
    assert licensing_information(users, SUBSCRIPTION, NOW).licensed_users == 5


def test_the_grace_ends_30_days_after_the_user_took_its_license() -> None:
    old = [user(n, 300) for n in range(1, 4)]
    taken = NOW - timedelta(days=5)
    late = ProtectedUser(uuid.UUID(int=99), taken, NOW)
    for moment, expected in (
        (taken + GRACE - SECOND, "TemporarilyAssigned"),
        (taken + GRACE, "Exceeded"),
    ):
        refreshed = [ProtectedUser(u.id, u.first_backup_time, moment) for u in [*old, late]]
        assert license_states(refreshed, SUBSCRIPTION, moment)[late.id] == expected


def test_a_freed_license_goes_to_the_first_in_the_queue() -> None:
    leaving = user(1, 300, last=NOW - timedelta(days=40))  # no longer backed up
    staying = [user(n, 300 - n) for n in range(2, 4)]
    first_extra, second_extra = user(5, 200), user(6, 100)
    states = license_states([leaving, *staying, first_extra, second_extra], SUBSCRIPTION, NOW)
    assert states[first_extra.id] == "Licensed"
    assert states[second_extra.id] == "Exceeded"
    assert leaving.id not in states


def test_ties_are_broken_by_the_users_id() -> None:
    same = [user(n, 50) for n in (7, 3, 5, 9)]
    states = license_states(same, SUBSCRIPTION, NOW)
    assert [states[uuid.UUID(int=n)] for n in (3, 5, 7, 9)] == ["Licensed"] * 3 + ["Exceeded"]


def test_rental_users_first_backed_up_in_the_period_are_new_and_take_no_license() -> None:
    at_start = ProtectedUser(uuid.UUID(int=1), PERIOD, NOW)
    before = ProtectedUser(uuid.UUID(int=2), PERIOD - SECOND, NOW)
    newcomers = [user(n, 5) for n in range(10, 16)]  # more than the limit: New even so
    users = [at_start, before, *newcomers]
    states = license_states(users, RENTAL, NOW)
    assert states[at_start.id] == "New"
    assert states[before.id] == "Licensed"
    assert {states[u.id] for u in newcomers} == {"New"}
    info = licensing_information(users, RENTAL, NOW)
    assert (info.licensed_users, info.new_users) == (1, 7)


def test_a_new_user_no_longer_backed_up_is_not_counted() -> None:
    gone = ProtectedUser(uuid.UUID(int=1), NOW - timedelta(days=40), NOW - WINDOW)
    rental = License("Rental", 3, NOW - timedelta(days=45))
    assert license_states([gone], rental, NOW) == {}


def test_subscriptions_and_rentals_without_a_period_have_no_new_users() -> None:
    users = [user(n, 2) for n in range(1, 5)]
    for license in (License("Subscription", 10, PERIOD), License("Rental", 10, None)):
        info = licensing_information(users, license, NOW)
        assert (info.licensed_users, info.new_users) == (4, 0)


def test_a_user_without_a_first_backup_took_its_license_at_its_last() -> None:
    old = [user(n, 300) for n in range(1, 4)]
    unknown_first = ProtectedUser(uuid.UUID(int=50), None, NOW - timedelta(days=2))
    states = license_states([*old, unknown_first], SUBSCRIPTION, NOW)
    assert states[unknown_first.id] == "TemporarilyAssigned"
    assert license_states([unknown_first], RENTAL, NOW)[unknown_first.id] == "New"


def test_a_user_never_backed_up_never_took_a_license() -> None:
    never = ProtectedUser(uuid.UUID(int=60), None, None)
    assert never.license_taken_at is None
    for license in (SUBSCRIPTION, RENTAL, License("Rental", limit=0, period_started_at=PERIOD)):
        assert license_states([never, user(1, 5)], license, NOW).keys() == {uuid.UUID(int=1)}
        info = licensing_information([never], license, NOW)
        assert (info.licensed_users, info.new_users) == (0, 0)
