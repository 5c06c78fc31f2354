"""A usual user, read straight into the form the spool keeps: its SKUs, plans and disabled-plan
sets as the spool's numbers, found by their text as the export spells them.

A 300,000-user export spells a few dozen ids and dates over and over. formats.parse_user reads
each user into UUIDs, dicts and a GraphUser, which the spool then numbers; here each spelling
is parsed once and numbered once, and a user costs a few lookups by text. Only a user this
path accepts whole is taken from it: anything unusual (a member missing or of the wrong type,
a bad GUID or date, a SKU twice, text out of bounds) makes it give up, and parse_user reads the
user again, which says what is wrong and where, or accepts it as it is."""

from __future__ import annotations

from typing import Any

from licensehub.importers.graph.fields import catalog_id, guid_int, instant
from licensehub.importers.graph.formats import UNUSUAL
from licensehub.importers.graph.spool import UserSpool

UPN_LIMIT, NAME_LIMIT = 320, 256  # as parse_user reads them


class UsualUsers:
    """Reads usual users for one spool, remembering the spellings it has numbered."""

    def __init__(self, spool: UserSpool) -> None:
        self.spool = spool
        self.sku_texts: dict[str, int] = {}
        self.plan_texts: dict[str, int] = {}
        self.set_texts: dict[tuple[str, ...], int] = {}

    def read(self, item: Any) -> tuple[Any, ...] | None:
        """The user in SpooledUser's form, or None: then parse_user must read it."""
        try:
            upn, name = item["userPrincipalName"], item.get("displayName")
            if not usual_text(upn, UPN_LIMIT):
                return None
            if name == "":
                name = None
            elif name is not None and not usual_text(name, NAME_LIMIT):
                return None
            enabled = item["accountEnabled"]
            licenses = self.licenses(item["assignedLicenses"])
            dates = self.plan_dates(item.get("assignedPlans") or [])
            if type(enabled) is not bool or licenses is None or dates is None:
                return None
            return guid_int(item["id"]), upn, name, enabled, licenses, dates
        except UNUSUAL:
            return None

    def licenses(self, assigned: Any) -> tuple[tuple[int, int], ...] | None:
        if type(assigned) is not list:
            return None
        found: dict[int, int] = {}
        sku_texts, set_texts = self.sku_texts, self.set_texts
        for license in assigned:
            text = license["skuId"]
            sku = sku_texts.get(text)
            if sku is None:
                sku = sku_texts[text] = self.spool.skus.number(catalog_id(text))
            if sku in found:  # assigned twice: parse_user says where
                return None
            disabled = license.get("disabledPlans") or []
            if type(disabled) is not list:
                return None
            texts = tuple(disabled)
            plans = set_texts.get(texts)
            if plans is None:
                plan_set = frozenset(map(catalog_id, texts))
                plans = set_texts[texts] = self.spool.plan_sets.number(plan_set)
            found[sku] = plans
        return tuple(found.items())

    def plan_dates(self, assigned: Any) -> dict[int, float] | None:
        """Plan -> its earliest assignedDateTime, Deleted plans left out, as parse_user."""
        if type(assigned) is not list:
            return None
        dates: dict[int, float] = {}
        plan_texts = self.plan_texts
        for plan in assigned:
            text = plan["servicePlanId"]
            number = plan_texts.get(text)
            if number is None:
                number = plan_texts[text] = self.spool.plans.number(catalog_id(text))
            when = instant(plan["assignedDateTime"])
            if plan.get("capabilityStatus") == "Deleted":
                continue
            if number not in dates or when < dates[number]:
                dates[number] = when
        return dates


def usual_text(value: Any, limit: int) -> bool:
    """What Fields.text accepts."""
    if type(value) is not str or len(value) > limit or "\x00" in value:
        return False
    return bool(value.strip())
