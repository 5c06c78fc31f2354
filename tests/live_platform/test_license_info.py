"""GET /api/v3/customer/{customerGuid}/licenseinfo on the demo ledger."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, event, func, select, update

from licensehub.kit.dependencies import Turn
from licensehub.ledger.tables import (
    voice_license_factors,
    voice_license_info_days,
    voice_services,
)
from tests.live_platform.conftest import SEED_GUID, Clock
from tests.live_platform.seed_service import (
    PATH,
    add_interface_user,
    records,
    service_id,
    set_factors,
)

PAGE_EXAMPLE = {
    "acquiredLicenses": 50,
    "totalMonitoredUsers": 20,
    "currentlyLicensed": 24,
    "managedUsersDirectRouting": 6,
    "managedUsersOperatorConnect": 2,
    "managedUsersByLifeCycleManagement": 4,
    "managedUsersUserInterface": 10,
    "managedServiceNumbers": 2,
    "umpCustomerGuid": SEED_GUID,
    "licenseSettingsFlagsLevel": 2,
    "LicenseFactors": {
        "Managed Users - By Template": True,
        "Managed Users - By User Interface": True,
        "Managed Service Numbers": True,
    },
}


def test_the_pages_example_replays(api: TestClient) -> None:
    record = records(api)[0]
    assert {k: v for k, v in record.items() if k != "lastUpdate"} == PAGE_EXAMPLE
    assert record["lastUpdate"].endswith("+00:00")
    assert len(record["lastUpdate"].split(".")[1]) == len("0202209+00:00")


def test_one_record_a_day_and_a_day_over_is_frozen(
    api: TestClient, demo_engine: Engine, clock: Clock
) -> None:
    first_day = records(api)[0]
    add_interface_user(demo_engine)  # the same day: today's record follows
    assert records(api)[0]["managedUsersUserInterface"] == 11
    clock.moment += timedelta(days=1)
    add_interface_user(demo_engine)
    newest, previous = records(api)[:2]
    assert newest["managedUsersUserInterface"] == 12
    assert newest["currentlyLicensed"] == first_day["currentlyLicensed"] + 2
    assert previous["managedUsersUserInterface"] == 11  # yesterday stays as it ended
    assert previous["currentlyLicensed"] == first_day["currentlyLicensed"] + 1


def test_nr_of_months_reaches_back(api: TestClient, clock: Clock) -> None:
    """The demo holds 90 days of history; each N reaches back N calendar months."""
    today = clock.moment.date()
    for months, since in ((1, today.replace(month=10)), (2, today.replace(month=9))):
        days = [date.fromisoformat(r["lastUpdate"][:10]) for r in records(api, nrOfMonths=months)]
        assert len(records(api, nrOfMonths=months)) == (today - since).days + 1
        assert days == sorted(days, reverse=True)
    assert len(records(api, nrOfMonths=12)) == 91  # 90 days of history and today
    assert api.get(PATH, params={"nrOfMonths": 0}).status_code == 400
    assert api.get(PATH, params={"nrOfMonths": "x"}).status_code == 400


def test_history_is_not_rewritten_by_reads(api: TestClient, demo_engine: Engine) -> None:
    before = records(api, nrOfMonths=3)[1:]
    add_interface_user(demo_engine)
    after = records(api, nrOfMonths=3)
    assert after[1:] == before
    assert after[0]["managedUsersUserInterface"] == before[0]["managedUsersUserInterface"] + 1


def test_factors_switched_globally_and_per_service(api: TestClient, demo_engine: Engine) -> None:
    set_factors(demo_engine, "global", by_user_interface=False)
    record = records(api)[0]
    assert record["licenseSettingsFlagsLevel"] == 2
    assert record["LicenseFactors"]["Managed Users - By User Interface"] is False
    assert record["managedUsersUserInterface"] == 10  # still reported
    assert record["currentlyLicensed"] == 24 - 10
    set_factors(demo_engine, "service", by_user_interface=True, service_numbers=False)
    record = records(api)[0]
    assert record["licenseSettingsFlagsLevel"] == 1
    assert record["LicenseFactors"] == {
        "Managed Users - By Template": True,
        "Managed Users - By User Interface": True,
        "Managed Service Numbers": False,
    }
    assert record["currentlyLicensed"] == 24 - 2
    with demo_engine.begin() as connection:
        connection.execute(delete(voice_license_factors))
    assert records(api)[0]["licenseSettingsFlagsLevel"] == 0


def test_unknown_and_malformed_guids(api: TestClient, demo_engine: Engine) -> None:
    missing = api.get(f"/api/v3/customer/{uuid.uuid4()}/licenseinfo")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= set(missing.json())
    malformed = api.get("/api/v3/customer/not-a-guid/licenseinfo")
    assert malformed.status_code == 400
    assert malformed.json()["status"] == 400
    with demo_engine.begin() as connection:  # the case of the guid does not matter
        connection.execute(update(voice_services).values(name="x").where(voice_services.c.id == 0))
    assert api.get(PATH.upper().replace("/API/V3/CUSTOMER", "/api/v3/customer")).status_code == 200


@contextmanager
def statements_written(api: TestClient) -> Iterator[list[str]]:
    """The INSERT, UPDATE and DELETE statements that the app runs inside the block."""
    written: list[str] = []

    def note_writes(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            written.append(statement)

    engine = api.app.state.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", note_writes)
    try:
        yield written
    finally:
        event.remove(engine, "before_cursor_execute", note_writes)


# A read that counted today's record writes it, then marks the service's record current.
RECORD_WRITES = (
    "INSERT INTO VOICE_LICENSE_INFO_DAYS",
    "UPDATE VOICE_SERVICES SET RECORD_CURRENT_ON",
)


def todays_record_written(written: list[str]) -> bool:
    return len(written) == len(RECORD_WRITES) and all(
        statement.lstrip().upper().startswith(start)
        for statement, start in zip(written, RECORD_WRITES, strict=True)
    )


def test_a_current_record_is_read_not_written_again(api: TestClient, demo_engine: Engine) -> None:
    """Readers do not queue for the write lock (nor pay a commit) while nothing changed."""
    records(api)  # today's record, written if the demo left it out
    with statements_written(api) as written:
        first = records(api)
        assert written == []
        add_interface_user(demo_engine)  # changed outside the API: the next GET writes
        second = records(api)
    assert todays_record_written(written), written
    assert second[0]["managedUsersUserInterface"] == first[0]["managedUsersUserInterface"] + 1


def test_a_body_changed_outside_the_api_is_written_again(
    api: TestClient, demo_engine: Engine
) -> None:
    """A read sends the stored bodies; a record written outside the API loses the service's
    mark that it is current (the records' triggers), so a body that no longer says what its
    record does is not served."""
    served = records(api)
    sid = service_id(demo_engine)
    newest = select(func.max(voice_license_info_days.c.day)).where(
        voice_license_info_days.c.service_id == sid
    )
    record_key = (
        voice_license_info_days.c.service_id == sid,
        voice_license_info_days.c.day == newest.scalar_subquery(),
    )
    with demo_engine.begin() as connection:
        connection.execute(update(voice_license_info_days).where(*record_key).values(body="{}"))
    with statements_written(api) as written:
        assert records(api) == served
    assert todays_record_written(written), written
    with demo_engine.connect() as connection:
        stored = connection.execute(
            select(voice_license_info_days.c.body).where(*record_key)
        ).scalar_one()
    assert json.loads(stored) == served[0]


def test_a_record_dated_after_today_does_not_make_todays_stale(
    api: TestClient, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records of later days (a clock set back, a demo built ahead of it) are not today's:
    today's own record, once written, is read without a write transaction."""
    records(api)
    clock.moment -= timedelta(days=2)
    first = records(api)  # writes today's record, now older than the newest one
    write_transactions: list[Turn] = []
    writing = Turn.writing

    def counted(turn: Turn) -> Any:
        write_transactions.append(turn)
        return writing(turn)

    monkeypatch.setattr(Turn, "writing", counted)
    assert records(api) == first
    assert write_transactions == []


def test_a_new_day_is_recorded_by_its_first_read_alone(
    api: TestClient, demo_engine: Engine, clock: Clock
) -> None:
    records(api)
    clock.moment += timedelta(days=1)
    new_day = clock.moment.date()
    with statements_written(api) as written:
        first = records(api)
    assert todays_record_written(written), written
    with statements_written(api) as written:
        assert records(api) == first
    assert written == []
    with demo_engine.connect() as connection:
        days = connection.execute(
            select(voice_license_info_days.c.day).where(
                voice_license_info_days.c.service_id == service_id(demo_engine),
                voice_license_info_days.c.day >= new_day - timedelta(days=1),
            )
        ).scalars()
        assert sorted(days) == [new_day - timedelta(days=1), new_day]


def test_a_stale_record_waits_for_a_writer_of_the_service(
    api: TestClient, demo_engine: Engine
) -> None:
    """A GET that finds today's record stale writes it only once no other transaction is
    writing the service, and from what that one committed: on PostgreSQL too, where a write
    transaction takes no lock when it begins."""
    records(api)
    add_interface_user(demo_engine)  # today's record is stale: the next GET writes it
    sid = service_id(demo_engine)
    with ThreadPoolExecutor(max_workers=1) as pool, demo_engine.connect() as writer:
        with writer.begin():
            writer.execute(
                update(voice_services)
                .where(voice_services.c.id == sid)
                .values(acquired_licenses=77)
            )
            pending = pool.submit(records, api)
            finished, _ = wait([pending], timeout=0.5)
            assert not finished, "the GET wrote while another transaction wrote the service"
        newest = pending.result(timeout=30)[0]
    assert newest["acquiredLicenses"] == 77
    assert newest["managedUsersUserInterface"] == 11
