"""The Live Platform's counting rules, one by one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from licensehub.live_platform.rules import (
    ASSIGNED,
    LEVEL_DEFAULTS,
    LEVEL_GLOBAL,
    LEVEL_SERVICE,
    Factors,
    Monitored,
    Number,
    count,
    effective_factors,
    user_key,
)
from tests.live_platform.strategies import FACTORS, MONITORED, NUMBERS

ALL_ON = Factors()


def dr(
    user: int | None,
    status: str = "UserAssigned",
    target: str = "User",
    policy: str | None = "Unrestricted",
) -> Number:
    return Number("DirectRouting", status, target if status != "Unassigned" else None, user, policy)


def oc(user: int | None, status: str = "UserAssigned", target: str = "User") -> Number:
    return Number("OperatorConnect", status, target, user)


def test_the_pages_example_adds_up_to_24() -> None:
    numbers = [dr(u) for u in range(1, 7)]
    numbers += [
        oc(None, "ConferenceAssigned", "ConferenceBridge"),
        oc(None, "VoiceApplicationAssigned", "VoiceApplication"),
    ]
    numbers += [
        dr(None, "ConferenceAssigned", "ConferenceBridge"),
        dr(None, "VoiceApplicationAssigned", "VoiceApplication"),
        dr(None, "Unassigned"),
    ]
    monitored = [Monitored(u, None, False) for u in range(1, 7)]
    monitored += [Monitored(u, "Standard", False) for u in range(7, 11)]
    monitored += [Monitored(u, None, True) for u in range(11, 21)]
    counts = count(numbers, monitored, ALL_ON)
    assert (
        counts.direct_routing,
        counts.operator_connect,
        counts.lifecycle,
        counts.user_interface,
        counts.service_numbers,
    ) == (6, 2, 4, 10, 2)
    assert counts.currently_licensed == 24
    assert counts.total_monitored == 20


def test_direct_routing_counts_users_with_the_services_policy() -> None:
    numbers = [
        dr(1),
        dr(1),
        dr(2, policy=None),
        dr(3, policy="RestrictedInternational"),
        dr(4, "Unassigned"),
    ]
    assert count(numbers, [], ALL_ON).direct_routing == 2


@pytest.mark.parametrize(
    "status",
    ["UserAssigned", "ConferenceAssigned", "VoiceApplicationAssigned", "ThirdPartyAppAssigned"],
)
def test_operator_connect_counts_every_assigned_status(status: str) -> None:
    user = 5 if status == "UserAssigned" else None
    target = "User" if user else "VoiceApplication"
    assert (
        count([oc(user, status, target), oc(None, "Unassigned", "")], [], ALL_ON).operator_connect
        == 1
    )


def test_a_user_counts_once_in_the_first_category_that_applies() -> None:
    numbers = [dr(1), oc(1), oc(2)]
    monitored = [
        Monitored(1, "T", True),
        Monitored(2, "T", True),
        Monitored(3, "T", True),
        Monitored(4, None, True),
    ]
    counts = count(numbers, monitored, ALL_ON)
    assert (
        counts.direct_routing,
        counts.operator_connect,
        counts.lifecycle,
        counts.user_interface,
    ) == (1, 1, 1, 1)
    assert counts.total_monitored == 4
    assert counts.currently_licensed == 4


def test_service_numbers_are_direct_routing_numbers_on_non_user_targets() -> None:
    numbers = [
        dr(None, "ConferenceAssigned", "ConferenceBridge"),
        dr(None, "ThirdPartyAppAssigned", "ThirdPartyApp"),
        oc(None, "ConferenceAssigned", "ConferenceBridge"),
        dr(None, "Unassigned"),
    ]
    counts = count(numbers, [], ALL_ON)
    assert counts.service_numbers == 2
    assert counts.operator_connect == 1


@pytest.mark.parametrize(
    ("factors", "licensed"),
    [
        (Factors(), 1 + 1 + 2 + 3 + 4),
        (Factors(by_template=False), 1 + 1 + 3 + 4),
        (Factors(by_user_interface=False), 1 + 1 + 2 + 4),
        (Factors(service_numbers=False), 1 + 1 + 2 + 3),
        (Factors(False, False, False), 1 + 1),
    ],
)
def test_a_factor_switched_off_still_claims_its_users(factors: Factors, licensed: int) -> None:
    numbers = [dr(1), oc(2)] + [dr(None, "ConferenceAssigned", "ConferenceBridge")] * 4
    monitored = [Monitored(u, "T", False) for u in (3, 4)] + [
        Monitored(u, None, True) for u in (5, 6, 7)
    ]
    counts = count(numbers, monitored, factors)
    assert (counts.lifecycle, counts.user_interface, counts.service_numbers) == (2, 3, 4)
    assert counts.currently_licensed == licensed


def test_factors_and_where_they_come_from() -> None:
    assert effective_factors(None, None) == Factors(level=LEVEL_DEFAULTS)
    global_off = {"by_template": False, "by_user_interface": None, "service_numbers": None}
    assert effective_factors(global_off, None) == Factors(by_template=False, level=LEVEL_GLOBAL)
    override = {"by_template": True, "by_user_interface": None, "service_numbers": False}
    assert effective_factors(global_off, override) == Factors(
        by_template=True, service_numbers=False, level=LEVEL_SERVICE
    )
    nothing_set = {"by_template": None, "by_user_interface": None, "service_numbers": None}
    assert effective_factors(nothing_set, nothing_set).level == LEVEL_DEFAULTS


def test_a_user_the_ledger_does_not_know_is_still_a_user() -> None:
    """A number imported before the tenant's users: assigned to a user by Teams' id."""
    unknown = Number("DirectRouting", "UserAssigned", "User", None, None, "9F1C-user")
    twice = Number("OperatorConnect", "UserAssigned", "User", None, None, "9f1c-USER")
    counts = count([unknown, twice], [], ALL_ON)
    assert (counts.direct_routing, counts.operator_connect, counts.service_numbers) == (1, 0, 0)
    assert counts.total_monitored == 1


def key(number: Number) -> int | str | None:
    return user_key(number.status, number.user_id, number.target_id)


def by_category(numbers: list[Number], monitored: list[Monitored], factors: Factors) -> list[int]:
    """The counts as the README's table states them, one category after the other."""
    users = [n for n in numbers if key(n) is not None]
    managed = [n for n in users if (n.policy or "unrestricted").lower() == "unrestricted"]
    direct_routing = {key(n) for n in managed if n.number_type == "DirectRouting"}
    oc_users = {key(n) for n in users if n.number_type == "OperatorConnect"} - direct_routing
    others = [n for n in numbers if n.status in ASSIGNED and key(n) is None]
    oc_other = sum(1 for n in others if n.number_type == "OperatorConnect")
    service_numbers = sum(1 for n in others if n.number_type == "DirectRouting")
    lifecycle = {m.user_id for m in monitored if m.lifecycle_template} - direct_routing - oc_users
    interface = {m.user_id for m in monitored if m.interface_updated}
    interface -= direct_routing | oc_users | lifecycle
    licensed = len(direct_routing) + len(oc_users) + oc_other
    licensed += (
        len(lifecycle) * factors.by_template
        + len(interface) * factors.by_user_interface
        + service_numbers * factors.service_numbers
    )
    every_user = {m.user_id for m in monitored} | {key(n) for n in users}
    return [
        len(direct_routing),
        len(oc_users) + oc_other,
        len(lifecycle),
        len(interface),
        service_numbers,
        len(every_user),
        licensed,
    ]


@given(
    st.lists(NUMBERS, max_size=30),
    st.lists(MONITORED, max_size=12),
    FACTORS,
)
def test_the_counts_are_the_tables_categories_in_order(
    numbers: list[Number], monitored: list[Monitored], factors: Factors
) -> None:
    counts = count(numbers, monitored, factors)
    assert [
        counts.direct_routing,
        counts.operator_connect,
        counts.lifecycle,
        counts.user_interface,
        counts.service_numbers,
        counts.total_monitored,
        counts.currently_licensed,
    ] == by_category(numbers, monitored, factors)
