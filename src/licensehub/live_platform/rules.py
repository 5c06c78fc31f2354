"""The Live Platform's licensing rules: who counts as a managed user, in which category, and
what the service is licensed for.

A user counts once, in the first category that applies — Direct Routing, Operator Connect,
LifeCycle Management template, user interface — so the categories add up. A category whose
license factor is off still claims its users and is still reported; it only drops out of
currentlyLicensed. Direct Routing and Operator Connect always count.

Today's record, once counted, is read without counting again until an input changes
(voice_services.record_current_on): a release that changes these rules, or how a record's
body is written (resources.py), clears every service's mark in a migration, so that each is
counted again at its next read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

ASSIGNED = frozenset(
    {"UserAssigned", "ConferenceAssigned", "VoiceApplicationAssigned", "ThirdPartyAppAssigned"}
)
# The policy the service applies to Direct Routing numbers it manages; a number carrying
# another policy explicitly is not the service's.
MANAGED_POLICY = "unrestricted"

FACTOR_NAMES = {
    "by_template": "Managed Users - By Template",
    "by_user_interface": "Managed Users - By User Interface",
    "service_numbers": "Managed Service Numbers",
}
# The page's table calls the first factor "By LifeCycle Management": accepted on writes.
FACTOR_ALIASES = {
    "managed users - by template": "by_template",
    "managed users - by lifecycle management": "by_template",
    "managed users - by user interface": "by_user_interface",
    "managed service numbers": "service_numbers",
}

# licenseSettingsFlagsLevel: where the effective factors come from.
LEVEL_DEFAULTS = 0  # nothing configured: every factor on
LEVEL_SERVICE = 1  # this service overrides one factor or more
LEVEL_GLOBAL = 2  # all from the service provider's global setting


class Number(NamedTuple):
    """A phone number as the rules read it; count() unpacks each number as a tuple in this
    order (the demo's history passes rows of these columns)."""

    number_type: str  # DirectRouting, OperatorConnect, CallingPlan
    status: str  # Unassigned or one of ASSIGNED
    target_type: str | None  # User, ConferenceBridge, VoiceApplication, ThirdPartyApp
    user_id: int | None  # the ledger's user, for user targets it knows
    policy: str | None = None
    target_id: str | None = None  # Teams' AssignedPstnTargetId


def user_key(status: str, user_id: int | None, target_id: str | None) -> int | str | None:
    """Whom a number is assigned to: a user the ledger knows, or one it knows only by Teams'
    id (a number imported before the tenant's users), a user all the same and never a
    service number. None when the number is not assigned to a user."""
    if status != "UserAssigned":
        return None
    if user_id is not None:
        return user_id
    return f"target:{target_id}".lower() if target_id else None


@dataclass(frozen=True)
class Monitored:
    user_id: int
    lifecycle_template: str | None
    interface_updated: bool


@dataclass(frozen=True)
class Factors:
    by_template: bool = True
    by_user_interface: bool = True
    service_numbers: bool = True
    level: int = LEVEL_DEFAULTS


def effective_factors(
    global_setting: dict[str, bool | None] | None, override: dict[str, bool | None] | None
) -> Factors:
    """Each factor from the service's override when it sets one, else from the global
    setting, else on."""
    values: dict[str, bool] = {}
    level = (
        LEVEL_GLOBAL
        if global_setting and any(v is not None for v in global_setting.values())
        else LEVEL_DEFAULTS
    )
    for field in FACTOR_NAMES:
        own = (override or {}).get(field)
        inherited = (global_setting or {}).get(field)
        if own is not None:
            values[field], level = own, LEVEL_SERVICE
        else:
            values[field] = inherited if inherited is not None else True
    return Factors(**values, level=level)


@dataclass(frozen=True)
class LicenseCounts:
    direct_routing: int
    operator_connect: int
    lifecycle: int
    user_interface: int
    service_numbers: int
    total_monitored: int
    currently_licensed: int


def count(
    numbers: Iterable[Sequence[Any]], monitored: Iterable[Monitored], factors: Factors
) -> LicenseCounts:
    """The reference: a service's users in each category, as the module's docstring says.
    Requests are counted by the database (counting.py), held equal to this by the tests."""
    monitored = list(monitored)
    every_user: set[int | str] = {m.user_id for m in monitored}
    direct_routing: set[int | str] = set()
    oc_users: set[int | str] = set()
    oc_other = service_numbers = 0
    for number_type, status, _target_type, user_id, policy, target_id in numbers:
        key = user_key(status, user_id, target_id)
        if key is not None:
            every_user.add(key)
        if number_type == "DirectRouting":
            if key is not None:
                if not policy or policy.lower() == MANAGED_POLICY:  # '': none set
                    direct_routing.add(key)
            elif status in ASSIGNED:
                service_numbers += 1
        elif number_type == "OperatorConnect":
            if key is not None:
                oc_users.add(key)
            elif status in ASSIGNED:
                oc_other += 1
    oc_users -= direct_routing
    claimed = direct_routing | oc_users
    lifecycle = {m.user_id for m in monitored if m.lifecycle_template} - claimed
    claimed |= lifecycle
    interface = {m.user_id for m in monitored if m.interface_updated} - claimed
    return counts(
        direct_routing=len(direct_routing),
        operator_connect=len(oc_users) + oc_other,
        lifecycle=len(lifecycle),
        user_interface=len(interface),
        service_numbers=service_numbers,
        total_monitored=len(every_user),
        factors=factors,
    )


def counts(
    *,
    direct_routing: int,
    operator_connect: int,
    lifecycle: int,
    user_interface: int,
    service_numbers: int,
    total_monitored: int,
    factors: Factors,
) -> LicenseCounts:
    """The categories' counts, and what the service is licensed for under the factors."""
    licensed = direct_routing + operator_connect
    licensed += lifecycle if factors.by_template else 0
    licensed += user_interface if factors.by_user_interface else 0
    licensed += service_numbers if factors.service_numbers else 0
    return LicenseCounts(
        direct_routing=direct_routing,
        operator_connect=operator_connect,
        lifecycle=lifecycle,
        user_interface=user_interface,
        service_numbers=service_numbers,
        total_monitored=total_monitored,
        currently_licensed=licensed,
    )
