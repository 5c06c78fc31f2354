"""licenseinfo's records, stored with their bodies (live_platform/resources.py), hold the
ledger's values, each read by its column's name here, and are byte for byte what
schemas.LicenseInfo writes, for every voice service of the demo ledger."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, select

from licensehub.ledger.migrate import downgrade, upgrade
from licensehub.ledger.tables import (
    voice_license_factors,
    voice_license_info_days,
    voice_services,
)
from licensehub.live_platform.resources import dotnet_time
from licensehub.live_platform.rules import FACTOR_NAMES
from licensehub.live_platform.schemas import LicenseInfo
from tests.shared import model_written


def stored_records(engine: Engine, guid: uuid.UUID) -> list[dict[str, object]]:
    """The service's records, newest first, each field read by its column's name."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(voice_license_info_days)
            .join(voice_services, voice_services.c.id == voice_license_info_days.c.service_id)
            .where(voice_services.c.ump_customer_guid == guid)
            .order_by(voice_license_info_days.c.day.desc())
        ).all()
    return [
        {
            "acquiredLicenses": row.acquired_licenses,
            "totalMonitoredUsers": row.total_monitored_users,
            "currentlyLicensed": row.currently_licensed,
            "managedUsersDirectRouting": row.managed_users_direct_routing,
            "managedUsersOperatorConnect": row.managed_users_operator_connect,
            "managedUsersByLifeCycleManagement": row.managed_users_lifecycle,
            "managedUsersUserInterface": row.managed_users_user_interface,
            "managedServiceNumbers": row.managed_service_numbers,
            "lastUpdate": dotnet_time(row.last_update),
            "umpCustomerGuid": str(guid),
            "licenseSettingsFlagsLevel": row.flags_level,
            "LicenseFactors": {
                FACTOR_NAMES["by_template"]: row.factor_by_template,
                FACTOR_NAMES["by_user_interface"]: row.factor_by_user_interface,
                FACTOR_NAMES["service_numbers"]: row.factor_service_numbers,
            },
        }
        for row in rows
    ]


def flattened(record: dict[str, object]) -> dict[str, object]:
    factors = record["LicenseFactors"]
    assert isinstance(factors, dict)
    return {**{k: v for k, v in record.items() if k != "LicenseFactors"}, **factors}


def test_every_services_history_is_the_ledgers_written_as_the_model(
    api: TestClient, demo_engine: Engine
) -> None:
    with demo_engine.connect() as connection:
        guids = (
            connection.execute(
                select(voice_services.c.ump_customer_guid).where(
                    voice_services.c.ump_customer_guid.is_not(None)
                )
            )
            .scalars()
            .all()
        )
    assert len(guids) > 1
    # The demo switches factors off together: one service switches off only one, so that
    # today's record tells each factor apart.
    with demo_engine.begin() as connection:
        service_id = connection.execute(
            select(voice_services.c.id).where(voice_services.c.ump_customer_guid == guids[0])
        ).scalar_one()
        connection.execute(
            delete(voice_license_factors).where(voice_license_factors.c.service_id == service_id)
        )
        connection.execute(
            insert(voice_license_factors).values(
                service_id=service_id, by_user_interface=False, service_numbers=True
            )
        )
    served = []
    for guid in guids:
        response = api.get(f"/api/v3/customer/{guid}/licenseinfo", params={"nrOfMonths": 4})
        assert response.status_code == 200, response.text
        records = response.json()
        assert response.content == model_written(list[LicenseInfo], records)
        # Read after the GET, which may have recorded today: newest first, as served.
        assert records == stored_records(demo_engine, guid)[: len(records)]
        served += [flattened(record) for record in records]
    assert len(served) > len(guids), "a day's record each at most: nothing proved"
    # Two fields swapped would go unnoticed where they always hold the same value: each
    # pair of fields of one type differs in some record.
    for first, second in itertools.combinations(served[0], 2):
        if type(served[0][first]) is type(served[0][second]):
            assert any(r[first] != r[second] for r in served), (first, second)


def stored_bodies(engine: Engine) -> dict[tuple[int, object], str]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                voice_license_info_days.c.service_id,
                voice_license_info_days.c.day,
                voice_license_info_days.c.body,
            )
        ).all()
    return {(service, day): body for service, day, body in rows}


def test_bodies_written_by_sql_are_those_the_app_writes(demo_engine: Engine) -> None:
    """Records written in bulk get their bodies from SQL (queries.write_bodies): the
    migration that added the column wrote a ledger's records' so, and the bench writes its
    own. Byte for byte what day_record() wrote for the demo's records."""
    written = stored_bodies(demo_engine)
    assert len(written) > 100
    assert all(json.loads(body)["umpCustomerGuid"] for body in written.values())
    downgrade(demo_engine, "0006")  # the column dropped, and made again by its migration
    upgrade(demo_engine)
    assert stored_bodies(demo_engine) == written


@given(st.datetimes(timezones=st.just(UTC)))
def test_dotnet_time_writes_seven_digits_and_the_offset(moment: datetime) -> None:
    text = dotnet_time(moment)
    assert text is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}0\+00:00", text), text
    assert datetime.fromisoformat(text[:26] + text[27:]) == moment


def test_dotnet_time_of_none_and_of_a_microsecond() -> None:
    assert dotnet_time(None) is None
    assert dotnet_time(datetime(2026, 1, 2, tzinfo=UTC) + timedelta(microseconds=5)) == (
        "2026-01-02T00:00:00.0000050+00:00"
    )
