"""licenseinfo's records, built as plain dicts (live_platform/router.py), are byte for byte
what schemas.LicenseInfo writes, for every voice service of the demo ledger."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from licensehub.ledger.tables import voice_services
from licensehub.live_platform.router import dotnet_time
from licensehub.live_platform.schemas import LicenseInfo
from tests.shared import model_written


def test_every_services_history_is_written_as_the_model(
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
    written = 0
    for guid in guids:
        response = api.get(f"/api/v3/customer/{guid}/licenseinfo", params={"nrOfMonths": 4})
        assert response.status_code == 200, response.text
        assert response.content == model_written(list[LicenseInfo], json.loads(response.content))
        written += len(response.json())
    assert written > len(guids), "a day's record each at most: nothing proved"


@given(st.datetimes(timezones=st.just(UTC)))
def test_dotnet_time_writes_seven_digits_and_the_offset(moment: datetime) -> None:
    text = dotnet_time(moment)
    assert text is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}0\+00:00", text), text
    assert datetime.fromisoformat(text[:26] + text[27:]) == moment


def test_dotnet_time_of_no_time_is_null() -> None:
    assert dotnet_time(None) is None
    assert dotnet_time(datetime(2026, 1, 2, tzinfo=UTC) + timedelta(microseconds=5)) == (
        "2026-01-02T00:00:00.0000050+00:00"
    )
