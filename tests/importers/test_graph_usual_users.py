"""The usual-user path reads a Graph user exactly as parse_user does, or gives it up to it:
it never takes a user parse_user refuses, and never reads one differently."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from licensehub.importers.base import InvalidImport
from licensehub.importers.graph.fields import Fields, guid_int
from licensehub.importers.graph.formats import parse_user
from licensehub.importers.graph.spool import UserSpool
from licensehub.importers.graph.usual_users import UsualUsers


def odd_dashes(guid: uuid.UUID) -> str:
    """Dashes where Graph never puts them, which uuid.UUID takes all the same."""
    return f"{guid.hex[:7]}-{guid.hex[7:13]}-{guid.hex[13:]}"


IDS = [uuid.UUID(int=n * 0x1111_1111_1111_1111) for n in range(1, 5)]
SPELLINGS = st.sampled_from(IDS).flatmap(
    lambda guid: st.sampled_from(
        [
            str(guid),
            str(guid).upper(),
            f"{{{guid}}}",
            guid.hex,
            f"urn:uuid:{guid}",
            odd_dashes(guid),
        ]
    )
)
DATES = st.sampled_from(["2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", "2023-05-06T07:08"])
ODD = st.sampled_from(
    [
        "x",
        "",
        " ",
        "a\x00b",
        "x" * 321,
        "y" * 257,
        "1234",
        "2024-02-30T00:00:00Z",
        "9999-12-31T23:30:00-01:00",
        12,
        True,
        None,
        [],
        {},
        ["a"],
    ]
).map(copy.deepcopy)  # fmt: skip  (a fresh object each time: users are changed in place)

license = st.fixed_dictionaries(
    {"skuId": SPELLINGS},
    optional={"disabledPlans": st.none() | st.lists(SPELLINGS, max_size=3)},
)
plan = st.fixed_dictionaries(
    {"servicePlanId": SPELLINGS, "assignedDateTime": DATES},
    optional={"capabilityStatus": st.sampled_from(["Enabled", "Deleted", None, 3])},
)


def odd_member(draw: st.DrawFn, user: dict[str, Any]) -> None:
    if not user:
        return
    key = draw(st.sampled_from(sorted(user)))
    if draw(st.booleans()):
        del user[key]
    else:
        user[key] = draw(ODD)


def odd_license(draw: st.DrawFn, user: dict[str, Any]) -> None:
    held = user.get("assignedLicenses")
    if isinstance(held, list) and held:
        index = draw(st.integers(0, len(held) - 1))
        if draw(st.booleans()):
            held.append(held[index])  # a SKU twice
        else:
            held[index] = draw(ODD | st.fixed_dictionaries({"skuId": ODD}))


def odd_plan_member(draw: st.DrawFn, user: dict[str, Any]) -> None:
    for key in ("assignedLicenses", "assignedPlans"):
        listed = user.get(key)
        listed = listed if isinstance(listed, list) else []
        items = [item for item in listed if isinstance(item, dict) and item]
        if items:
            item = draw(st.sampled_from(items))
            item[draw(st.sampled_from(sorted(item)))] = draw(ODD)


@st.composite
def users(draw: st.DrawFn) -> Any:
    """A user as Graph sends it, mostly well formed, with none, one or two members odd."""
    user: dict[str, Any] = {
        "id": draw(SPELLINGS),
        "userPrincipalName": draw(st.sampled_from(["ann@x.example", "Bob@Y.Example"])),
        "accountEnabled": draw(st.booleans()),
        "assignedLicenses": draw(
            st.lists(license, max_size=3, unique_by=lambda held: uuid.UUID(held["skuId"]))
        ),
    }
    if draw(st.booleans()):
        user["displayName"] = draw(st.sampled_from(["Ann", "", None]))
    if draw(st.booleans()):
        user["assignedPlans"] = draw(st.lists(plan, max_size=4))
    for change in draw(st.lists(st.sampled_from([odd_member, odd_license, odd_plan_member]))):
        change(draw, user)
    return user


def in_values(spool: UserSpool, user: tuple[Any, ...]) -> tuple[Any, ...]:
    """A spooled user with its numbers turned back into ids: comparable across spools."""
    object_id, upn, name, enabled, licensed, dates = user
    return (
        object_id, upn, name, enabled,
        tuple((spool.skus.values[sku], spool.plan_sets.values[off]) for sku, off in licensed),
        {spool.plans.values[plan]: when for plan, when in dates.items()},
    )  # fmt: skip


def by_parse_user(item: Any) -> tuple[Any, ...] | None:
    spool = UserSpool()
    try:
        return in_values(spool, spool.numbered(parse_user(Fields(item, "users.json", "$"))))
    except InvalidImport:
        return None
    finally:
        spool.close()


@settings(max_examples=600)
@given(st.lists(users() | st.sampled_from([None, [], "user", 3]), min_size=1, max_size=6))
def test_the_usual_path_reads_as_parse_user_or_gives_up(items: list[Any]) -> None:
    """One reader for several users, as in an import: what it remembers of one user's
    spellings must not change how it reads the next."""
    spool = UserSpool()
    try:
        reader = UsualUsers(spool)
        for item in items:
            usual = reader.read(item)
            event("usual" if usual is not None else "given up")
            if usual is not None:
                assert in_values(spool, usual) == by_parse_user(item)
    finally:
        spool.close()


def test_most_generated_users_take_the_usual_path() -> None:
    """The property above holds vacuously if the usual path gives every user up."""
    taken = []

    @settings(max_examples=300, database=None)
    @given(users())
    def read(item: Any) -> None:
        spool = UserSpool()
        try:
            taken.append(UsualUsers(spool).read(item) is not None)
        finally:
            spool.close()

    read()
    assert sum(taken) > len(taken) / 5


def test_a_usual_user_is_read_on_the_usual_path() -> None:
    user = {
        "id": str(IDS[0]),
        "userPrincipalName": "ann@x.example",
        "displayName": "Ann",
        "accountEnabled": True,
        "assignedLicenses": [{"skuId": str(IDS[1]), "disabledPlans": [str(IDS[2]).upper()]}],
        "assignedPlans": [
            {"servicePlanId": str(IDS[2]), "assignedDateTime": "2024-01-01T00:00:00Z"},
            {"servicePlanId": IDS[3].hex, "assignedDateTime": "2023-01-01T00:00:00Z",
             "capabilityStatus": "Deleted"},
        ],
    }  # fmt: skip
    spool = UserSpool()
    try:
        usual = UsualUsers(spool).read(user)
        assert usual is not None
        assert in_values(spool, usual) == by_parse_user(user)
    finally:
        spool.close()


@given(
    st.uuids().map(str)
    | st.uuids().flatmap(lambda guid: st.sampled_from([guid.hex, f"{{{guid}}}", odd_dashes(guid)]))
    | st.uuids()
    .map(str)
    .flatmap(
        lambda text: st.tuples(st.integers(0, 35), st.sampled_from("-_ g\nG{0")).map(
            lambda change: text[: change[0]] + change[1] + text[change[0] + 1 :]
        )
    )
    | st.text(max_size=40)
)
def test_a_guid_is_read_to_the_same_number_as_uuid_reads_it(text: str) -> None:
    try:
        expected: int | str = uuid.UUID(text).int
    except ValueError:
        expected = "refused"
    try:
        found: int | str = guid_int(text)
    except ValueError:
        found = "refused"
    assert found == expected
