"""Each SKU keeps its service plans written out (partner_center/plan_bodies.py): the lookups
answer the copy, the ledger's triggers clear it whenever the plans change, and whoever
writes the catalog writes it again. A copy may be missing, never stale."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, insert, select, update

from licensehub.ledger.migrate import downgrade, upgrade
from licensehub.ledger.tables import service_plans, sku_service_plans, skus
from licensehub.partner_center.plan_bodies import write_plan_bodies
from tests.partner_center.holders import holder_of
from tests.partner_center.plan_copies import copies, copies_hold, written_out

FAKE_PLAN = {
    "displayName": "Copied",
    "serviceName": "COPIED",
    "id": "00000000-0000-0000-0000-000000000001",
    "capabilityStatus": "Enabled",
    "targetType": "User",
}


def answers(api: TestClient, demo_engine: Engine) -> dict[str, Any]:
    """A user's licenses with a plan switched off, another's without, and a customer's
    subscribed SKUs."""
    switching = holder_of(demo_engine, "SPE_E3", with_disabled=True)
    plain = holder_of(demo_engine, "SPE_E5")
    paths = {
        "switching": switching["path"],
        "plain": plain["path"],
        "subscribed": f"/v1/customers/{plain['tenant']}/subscribedskus",
    }
    got = {name: api.get(path) for name, path in paths.items()}
    assert all(answer.status_code == 200 for answer in got.values()), got
    return {name: answer.json() for name, answer in got.items()}


def statuses(body: dict[str, Any]) -> set[str]:
    return {plan["capabilityStatus"] for item in body["items"] for plan in item["servicePlans"]}


def test_the_demo_keeps_every_skus_plans(demo_engine: Engine) -> None:
    with demo_engine.connect() as connection:
        assert copies_hold(connection)
        assert all(copies(connection).values())  # every demo SKU has plans


def test_answers_are_the_same_from_the_copies_and_written_out(
    api: TestClient, demo_engine: Engine
) -> None:
    from_copies = answers(api, demo_engine)
    with demo_engine.begin() as connection:
        connection.execute(update(skus).values(plans_body=None))
    assert answers(api, demo_engine) == from_copies
    assert statuses(from_copies["plain"]) == {"Assigned"}
    assert statuses(from_copies["switching"]) == {"Assigned", "Disabled"}
    assert statuses(from_copies["subscribed"]) == {"Enabled"}


def test_the_lookups_answer_the_copy(api: TestClient, demo_engine: Engine) -> None:
    """A copy changed behind the triggers' back (as no writer does) shows where it is read:
    subscribed SKUs, and licenses that switch no plan off, "Assigned"; a license that
    switches plans off has its plans written out."""
    with demo_engine.begin() as connection:
        connection.execute(
            update(skus).values(plans_body=json.dumps(FAKE_PLAN, separators=(",", ":")))
        )
    got = answers(api, demo_engine)
    subscribed = [item["servicePlans"] for item in got["subscribed"]["items"]]
    assert subscribed
    assert all(plans == [FAKE_PLAN] for plans in subscribed)
    held = [item["servicePlans"] for item in got["plain"]["items"]]
    assert held
    assert all(plans == [FAKE_PLAN | {"capabilityStatus": "Assigned"}] for plans in held)
    switching = [item["servicePlans"] for item in got["switching"]["items"]]
    written = [
        plans for plans in switching if plans != [FAKE_PLAN | {"capabilityStatus": "Assigned"}]
    ]
    assert written  # the license that switches plans off
    for plans in written:
        assert "Disabled" in {plan["capabilityStatus"] for plan in plans}
        assert FAKE_PLAN["id"] not in {plan["id"] for plan in plans}


def skus_with(connection: Any, plan_id: Any) -> set[Any]:
    query = select(sku_service_plans.c.sku_id).where(sku_service_plans.c.service_plan_id == plan_id)
    return set(connection.execute(query).scalars())


def cleared(connection: Any) -> set[Any]:
    return {sku for sku, copy in copies(connection).items() if copy is None}


def rename(connection: Any, plan: Any, **names: str) -> None:
    service_plan = service_plans.c.service_plan_id == plan
    connection.execute(update(service_plans).where(service_plan).values(**names))


def test_a_renamed_plan_clears_the_copies_of_its_skus_alone(demo_engine: Engine) -> None:
    with demo_engine.begin() as connection:
        plan = connection.execute(select(sku_service_plans.c.service_plan_id)).scalars().first()
        rename(connection, plan, display_name="Renamed")
        assert cleared(connection) == skus_with(connection, plan)
        write_plan_bodies(connection)
        assert copies_hold(connection)
        assert all('"Renamed"' in copies(connection)[sku] for sku in skus_with(connection, plan))


def test_a_plan_added_to_or_removed_from_a_sku_clears_its_copy(demo_engine: Engine) -> None:
    with demo_engine.begin() as connection:
        sku, plan = connection.execute(select(sku_service_plans)).first()  # type: ignore[misc]
        link = sku_service_plans.c
        connection.execute(
            delete(sku_service_plans).where(link.sku_id == sku, link.service_plan_id == plan)
        )
        assert cleared(connection) == {sku}
        write_plan_bodies(connection)
        without = skus.c.sku_id.not_in(skus_with(connection, plan) | {sku})
        other = connection.execute(select(skus.c.sku_id).where(without)).scalar()
        connection.execute(insert(sku_service_plans).values(sku_id=other, service_plan_id=plan))
        assert cleared(connection) == {other}
        write_plan_bodies(connection)
        assert copies_hold(connection)


def test_a_renamed_plan_shows_at_once(api: TestClient, demo_engine: Engine) -> None:
    """No writer asked: the trigger's clearing alone makes the lookup write the plans out."""
    before = answers(api, demo_engine)
    plan_id = before["plain"]["items"][0]["servicePlans"][0]["id"]
    with demo_engine.begin() as connection:
        rename(connection, uuid.UUID(plan_id), display_name="Renamed")
    after = answers(api, demo_engine)
    names = {
        plan["displayName"]
        for item in after["plain"]["items"]
        for plan in item["servicePlans"]
        if plan["id"] == plan_id
    }
    assert names == {"Renamed"}


def test_the_migration_writes_the_copies_and_its_triggers(demo_engine: Engine) -> None:
    with demo_engine.connect() as connection:
        before = copies(connection)
    downgrade(demo_engine, "0007")  # the column and the triggers dropped, then made again
    upgrade(demo_engine)
    with demo_engine.begin() as connection:
        assert copies(connection) == before == written_out(connection)
        plan = connection.execute(select(sku_service_plans.c.service_plan_id)).scalars().first()
        rename(connection, plan, service_name="RENAMED")
        assert cleared(connection) == skus_with(connection, plan)
