"""The catalog importer: Microsoft's product names and service plan identifiers, into the ledger."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from licensehub.importers import importer_for
from licensehub.importers.base import Counts, ImportRequest, InvalidImport, NoProgress
from licensehub.importers.catalog import IMPORTER, KIND
from licensehub.ledger.tables.catalog import service_plans, sku_service_plans, skus
from tests.importers.conftest import RequestFactory
from tests.partner_center.plan_copies import copies_hold
from tests.shared import SHARED

REAL = SHARED / "data" / "catalog" / "product-names-and-service-plan-identifiers.csv"

HEADER = (
    "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,"
    "Service_Plans_Included_Friendly_Names"
)

# SKUs: real GUIDs from Microsoft's file, except KAIZALA and MC_SCHOOL, made up for the rules.
E3 = uuid.UUID("6fd2c87f-b296-42f0-b197-1e91e994b900")
E5 = uuid.UUID("06ebc4ee-1bb5-47dd-8120-11324bc54e06")
USL_GCC = uuid.UUID("f1de227b-f1bd-4959-bd80-b80547095e6d")
KAIZALA = uuid.UUID("0a7e1c5e-3f4b-4c1d-9a8e-5b6c7d8e9f01")
MEE = uuid.UUID("533b8f26-f74b-4e9c-9c59-50fc4b393b63")
MC_SCHOOL = uuid.UUID("0a7e1c5e-3f4b-4c1d-9a8e-5b6c7d8e9f02")
ROOM = uuid.UUID("6070a4c8-34c6-4937-8dfb-39bbc6397a60")
PSTN_SMALL = uuid.UUID("d43177b5-475b-4880-92d4-d54c27b5efbd")
PSTN_120 = uuid.UUID("54a152dc-90de-4996-93d2-bc47e670fc06")  # also a plan id, as in the file
DEVELOPERPACK = uuid.UUID("c42b9cae-ea4f-4ab7-9717-81576235ccac")  # never in the fixture

# Service plans.
EXO = uuid.UUID("efb87545-963c-4e0d-99df-69c6916d9eb0")
TEAMS = uuid.UUID("57ff2da0-773e-42df-b2af-ffb7a2317929")
CE = uuid.UUID("2b815d45-56e4-4e3a-b65c-66cb9175b560")
INSIDER = uuid.UUID("9d0c4ee5-e4a1-4625-ab39-d82b619b1a34")
RMS = uuid.UUID("bea4c11e-220a-4e6d-8eb8-8ea15d019f90")
PVA = uuid.UUID("0bdd5466-65c3-470a-9fa6-f679b48286b0")
CDS = uuid.UUID("bcc0702e-ba97-48d9-ae04-fa8689c53bba")
KAIZALA_PLAN = uuid.UUID("0898bdbb-73b0-471a-81e5-20f1fe4dd66e")
MINECRAFT = uuid.UUID("4c246bbc-f513-4311-beff-eba54c353256")
PSTN_SMALL_PLAN = uuid.UUID("9a0125a5-c8f8-4526-b231-49e2abe0ebce")

NBSP, EN_DASH = "\u00a0", "\u2013"
SMALL = "Skype for Business PSTN Calling Domestic Small"

# Every quirk of the real file, in 21 data rows (lines 2 to 22).
FIXTURE = [
    # A renamed product: the old name first, listing fewer plans than the current one.
    f"Power Virtual Agent User License for GCC,VIRTUAL_AGENT_USL_GCC,{USL_GCC},"
    f"Power_Virtual_Agent_Usl_GCC,{PVA},Power Virtual Agent USL for GCC",
    f"Microsoft Copilot Studio User License for GCC,VIRTUAL_AGENT_USL_GCC,{USL_GCC},"
    f"CDS_Virtual_Agent_Usl_Gov,{CDS},Dataverse for Virtual Agent USL for GCC",
    f"Microsoft Copilot Studio User License for GCC,VIRTUAL_AGENT_USL_GCC,{USL_GCC},"
    f"Power_Virtual_Agent_Usl_GCC,{PVA},Power Virtual Agent USL for GCC",
    # A "RETIRED -" name that lists more plans still loses to the live name.
    f"Microsoft Kaizala Pro,KAIZALA_STANDALONE,{KAIZALA},"
    f"KAIZALA_STANDALONE,{KAIZALA_PLAN},Microsoft Kaizala Pro",
    f"RETIRED - Microsoft Kaizala Pro,KAIZALA_STANDALONE,{KAIZALA},"
    f"KAIZALA_STANDALONE,{KAIZALA_PLAN},Microsoft Kaizala",
    f"RETIRED - Microsoft Kaizala Pro,KAIZALA_STANDALONE,{KAIZALA},"
    f"INSIDER_RISK_MANAGEMENT,{INSIDER},RETIRED - Microsoft Insider Risk Management",
    f"Minecraft Education Student,MEE_STUDENT,{MEE},"
    f"MINECRAFT_EDUCATION_EDITION,{MINECRAFT},Minecraft Education",
    # A trailing tab; a plan name in the file's old capitals.
    f"Office 365 E3\t,ENTERPRISEPACK,{E3},EXCHANGE_S_ENTERPRISE,{EXO},EXCHANGE ONLINE (PLAN 2)",
    f"Office 365 E3,ENTERPRISEPACK,{E3},EXCHANGE_S_ENTERPRISE,{EXO},Exchange Online (Plan 2)",
    f"Office 365 E3,ENTERPRISEPACK,{E3},EXCHANGE_S_ENTERPRISE,{EXO},Exchange Online (Plan 2)",
    # A no-break space after a GUID; a "friendly" name that only repeats the service name.
    f"Office 365 E3,ENTERPRISEPACK,{E3}{NBSP},TEAMS1,{TEAMS},TEAMS1",
    f"Office 365 E3,ENTERPRISEPACK,{E3},ContentExplorer_Standard,{CE},"
    f"Information Protection and Governance Analytics {EN_DASH} Standard",
    f"Office 365 E3,ENTERPRISEPACK,{E3},INSIDER_RISK_MANAGEMENT,{INSIDER},"
    "Microsoft Insider Risk Management - Exchange",
    f"Microsoft 365 E5,SPE_E5,{E5},INSIDER_RISK_MANAGEMENT,{INSIDER},"
    "RETIRED - Microsoft Insider Risk Management",
    f"Microsoft 365 E5,SPE_E5,{E5},TEAMS1,{TEAMS},Microsoft{NBSP}Teams",
    f"Office 365 E3,ENTERPRISEPACK,{E3},RMS_S_ENTERPRISE,{RMS},Azure Rights Management",
    # A typo in a service name, outvoted.
    f"Microsoft 365 E5,SPE_E5,{E5},RMS_S_ENTERPRISE),{RMS},Azure Rights Management",
    # MEE, but not MEE_: not Minecraft.
    f"Microsoft Teams Rooms Standard,MEETING_ROOM,{ROOM},RMS_S_ENTERPRISE,{RMS},"
    "Azure Rights Management  ",
    # One String_Id, two SKUs; a trailing blank in a String_Id.
    f"{SMALL},MCOPSTN5 ,{PSTN_SMALL},{SMALL},{PSTN_SMALL_PLAN},{SMALL}",
    f"Skype for Business PSTN Domestic Calling (120 Minutes),MCOPSTN5,{PSTN_120},"
    f"MCOPSTN5,{PSTN_120},DOMESTIC CALLING PLAN",
    # Minecraft by name alone.
    f"Minecraft Education (per school),MINECRAFT_SCHOOL,{MC_SCHOOL},"
    f"MINECRAFT_EDUCATION_EDITION,{MINECRAFT},Minecraft Education Edition",
]

EXPECTED_SKUS = {
    (USL_GCC, "VIRTUAL_AGENT_USL_GCC", "Microsoft Copilot Studio User License for GCC", "group1"),
    (KAIZALA, "KAIZALA_STANDALONE", "Microsoft Kaizala Pro", "group1"),
    (MEE, "MEE_STUDENT", "Minecraft Education Student", "group2"),
    (E3, "ENTERPRISEPACK", "Office 365 E3", "group1"),
    (E5, "SPE_E5", "Microsoft 365 E5", "group1"),
    (ROOM, "MEETING_ROOM", "Microsoft Teams Rooms Standard", "group1"),
    (PSTN_SMALL, "MCOPSTN5", SMALL, "group1"),
    (PSTN_120, "MCOPSTN5", "Skype for Business PSTN Domestic Calling (120 Minutes)", "group1"),
    (MC_SCHOOL, "MINECRAFT_SCHOOL", "Minecraft Education (per school)", "group2"),
}
EXPECTED_PLANS = {
    (PVA, "Power_Virtual_Agent_Usl_GCC", "Power Virtual Agent USL for GCC"),
    (CDS, "CDS_Virtual_Agent_Usl_Gov", "Dataverse for Virtual Agent USL for GCC"),
    (KAIZALA_PLAN, "KAIZALA_STANDALONE", "Microsoft Kaizala Pro"),
    (INSIDER, "INSIDER_RISK_MANAGEMENT", "RETIRED - Microsoft Insider Risk Management"),
    (MINECRAFT, "MINECRAFT_EDUCATION_EDITION", "Minecraft Education"),
    (EXO, "EXCHANGE_S_ENTERPRISE", "Exchange Online (Plan 2)"),
    (TEAMS, "TEAMS1", "Microsoft Teams"),
    (
        CE,
        "ContentExplorer_Standard",
        f"Information Protection and Governance Analytics {EN_DASH} Standard",
    ),
    (RMS, "RMS_S_ENTERPRISE", "Azure Rights Management"),
    (PSTN_SMALL_PLAN, SMALL, SMALL),
    (PSTN_120, "MCOPSTN5", "DOMESTIC CALLING PLAN"),
}
EXPECTED_LINKS = {
    (USL_GCC, PVA),
    (USL_GCC, CDS),
    (KAIZALA, KAIZALA_PLAN),
    (KAIZALA, INSIDER),
    (MEE, MINECRAFT),
    (E3, EXO),
    (E3, TEAMS),
    (E3, CE),
    (E3, INSIDER),
    (E3, RMS),
    (E5, INSIDER),
    (E5, TEAMS),
    (E5, RMS),
    (ROOM, RMS),
    (PSTN_SMALL, PSTN_SMALL_PLAN),
    (PSTN_120, PSTN_120),
    (MC_SCHOOL, MINECRAFT),
}


def write_csv(path: Path, lines: list[str], header: str = HEADER) -> Path:
    """As Microsoft ships it: UTF-8 with a BOM, CRLF line ends."""
    path.write_bytes(("\ufeff" + "\r\n".join([header, *lines]) + "\r\n").encode("utf-8"))
    return path


def run(engine: Engine, request: ImportRequest) -> Counts:
    """What the runner does: check everything, then apply in one transaction."""
    checked = IMPORTER.check(request, NoProgress())
    with engine.begin() as connection:
        return IMPORTER.apply(connection, request, checked, NoProgress())


def counts(read: int, created: int = 0, updated: int = 0, removed: int = 0) -> Counts:
    return Counts(read=read, created=created, updated=updated, removed=removed)


def catalog(engine: Engine) -> tuple[set[Any], set[Any], set[Any]]:
    with engine.connect() as connection:
        found_skus = connection.execute(
            select(skus.c.sku_id, skus.c.sku_part_number, skus.c.product_name, skus.c.license_group)
        )
        found_plans = connection.execute(
            select(
                service_plans.c.service_plan_id,
                service_plans.c.service_name,
                service_plans.c.display_name,
            )
        )
        found_links = connection.execute(
            select(sku_service_plans.c.sku_id, sku_service_plans.c.service_plan_id)
        )
        return (
            {tuple(row) for row in found_skus},
            {tuple(row) for row in found_plans},
            {tuple(row) for row in found_links},
        )


@pytest.fixture
def fixture_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "catalog.csv", FIXTURE)


def test_the_registry_loads_this_importer() -> None:
    assert importer_for(KIND) is IMPORTER
    assert IMPORTER.kind == "catalog"


def test_the_fixture_imports_to_exactly_these_rows(
    engine: Engine, make_request: RequestFactory, fixture_csv: Path
) -> None:
    result = run(engine, make_request(KIND, fixture_csv))

    assert result == counts(read=21, created=9 + 11 + 17)
    assert catalog(engine) == (EXPECTED_SKUS, EXPECTED_PLANS, EXPECTED_LINKS)


def test_importing_the_same_file_again_changes_nothing(
    engine: Engine, make_request: RequestFactory, fixture_csv: Path
) -> None:
    run(engine, make_request(KIND, fixture_csv))
    before = catalog(engine)

    assert run(engine, make_request(KIND, fixture_csv)) == counts(read=21)
    assert catalog(engine) == before


def test_a_sku_named_by_its_part_number_gets_its_display_name(
    engine: Engine, make_request: RequestFactory, fixture_csv: Path
) -> None:
    with engine.begin() as connection:
        # As a Graph export leaves them: E3 in the file, DEVELOPERPACK not.
        connection.execute(
            insert(skus),
            [
                {
                    "sku_id": E3,
                    "sku_part_number": "ENTERPRISEPACK",
                    "product_name": "ENTERPRISEPACK",
                    "target_type": "Company",
                },
                {
                    "sku_id": DEVELOPERPACK,
                    "sku_part_number": "DEVELOPERPACK",
                    "product_name": "DEVELOPERPACK",
                    "target_type": "User",
                },
            ],
        )
        connection.execute(
            insert(service_plans),
            {"service_plan_id": EXO, "service_name": "EXCHANGE_S_ENTERPRISE", "display_name": "x"},
        )
        connection.execute(
            insert(sku_service_plans), {"sku_id": DEVELOPERPACK, "service_plan_id": EXO}
        )

    result = run(engine, make_request(KIND, fixture_csv))

    assert result == counts(read=21, created=8 + 10 + 17, updated=2)
    found_skus, found_plans, found_links = catalog(engine)
    assert found_skus == EXPECTED_SKUS | {
        (DEVELOPERPACK, "DEVELOPERPACK", "DEVELOPERPACK", "group1")
    }
    assert found_plans == EXPECTED_PLANS
    assert found_links == EXPECTED_LINKS | {(DEVELOPERPACK, EXO)}
    with engine.connect() as connection:
        target = connection.scalar(select(skus.c.target_type).where(skus.c.sku_id == E3))
    assert target == "Company"  # the catalog does not say, so it is left alone


def test_a_newer_file_renames_and_unlinks(
    engine: Engine, make_request: RequestFactory, tmp_path: Path, fixture_csv: Path
) -> None:
    run(engine, make_request(KIND, fixture_csv))
    newer = [
        line.replace("Office 365 E3", "Office 365 E3 (no Teams)")
        for line in FIXTURE
        if not line.endswith(",TEAMS1")  # E3 no longer includes Teams
    ]

    result = run(engine, make_request(KIND, write_csv(tmp_path / "newer.csv", newer)))

    assert result == counts(read=20, updated=1, removed=1)
    found_skus, found_plans, found_links = catalog(engine)
    assert (E3, "ENTERPRISEPACK", "Office 365 E3 (no Teams)", "group1") in found_skus
    assert found_plans == EXPECTED_PLANS  # Teams stays: E5 still lists it
    assert found_links == EXPECTED_LINKS - {(E3, TEAMS)}
    with engine.connect() as connection:
        assert copies_hold(connection)  # E3's copy of its plans, without Teams (plan_bodies.py)


def test_check_reads_every_byte(make_request: RequestFactory, fixture_csv: Path) -> None:
    class Recorder:
        total = 0

        def advance(self, nbytes: int) -> None:
            self.total += nbytes

    recorder = Recorder()
    IMPORTER.check(make_request(KIND, fixture_csv), recorder)
    assert recorder.total == fixture_csv.stat().st_size


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f"Office 365 E3,ENTERPRISEPACK,{str(E3)[:-1]},TEAMS1,{TEAMS},Microsoft Teams", "GUID"),
        (f"Office 365 E3,ENTERPRISEPACK,{E3},TEAMS1,not-a-guid,Microsoft Teams", "Service_Plan_Id"),
        (f"Office 365 E3, \t,{E3},TEAMS1,{TEAMS},Microsoft Teams", "String_Id is empty"),
        (f"{NBSP},ENTERPRISEPACK,{E3},TEAMS1,{TEAMS},Microsoft Teams", "Product_Display_Name"),
        (f"Office 365 E3,ENTERPRISEPACK,{E3},,{TEAMS},Microsoft Teams", "Service_Plan_Name"),
        (f"Office 365 E3,ENTERPRISEPACK,{E3},TEAMS1,{TEAMS},{'x' * 257}", "longer than 256"),
    ],
)
def test_a_bad_last_row_names_the_file_and_line(
    make_request: RequestFactory, tmp_path: Path, row: str, message: str
) -> None:
    path = write_csv(tmp_path / "catalog.csv", [*FIXTURE, row])

    with pytest.raises(InvalidImport) as raised:
        IMPORTER.check(make_request(KIND, path), NoProgress())

    assert (raised.value.file, raised.value.location) == ("catalog.csv", "line 23")
    assert str(raised.value).startswith("catalog.csv at line 23: ")
    assert message in raised.value.message


def test_a_missing_column_is_an_error_at_line_1(
    make_request: RequestFactory, tmp_path: Path
) -> None:
    header = HEADER.replace(",Service_Plan_Id", "")
    rows = [line.replace(f",{TEAMS}", "") for line in FIXTURE[10:11]]
    path = write_csv(tmp_path / "catalog.csv", rows, header=header)

    with pytest.raises(InvalidImport, match=r"catalog\.csv at line 1: .*Service_Plan_Id"):
        IMPORTER.check(make_request(KIND, path), NoProgress())


def test_extra_columns_are_ignored(
    engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    lines = [f"{line},whatever" for line in FIXTURE]
    path = write_csv(tmp_path / "catalog.csv", lines, header=HEADER + ",Comment")

    assert run(engine, make_request(KIND, path)).created == 9 + 11 + 17
    assert catalog(engine) == (EXPECTED_SKUS, EXPECTED_PLANS, EXPECTED_LINKS)


def test_check_refuses_a_broken_file_before_any_write(
    engine: Engine, make_request: RequestFactory, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "catalog.csv", [*FIXTURE, "Office 365 E3,ENTERPRISEPACK,oops"])

    with pytest.raises(InvalidImport, match="line 23"):
        IMPORTER.check(make_request(KIND, path), NoProgress())

    assert catalog(engine) == (set(), set(), set())


@pytest.fixture
def real_csv() -> Path:
    if not REAL.exists():
        pytest.skip(f"Microsoft's catalog is not at {REAL} (../shared is absent)")
    return REAL


def test_the_real_catalog_imports(
    engine: Engine, make_request: RequestFactory, real_csv: Path
) -> None:
    result = run(engine, make_request(KIND, real_csv))

    found_skus, found_plans, found_links = catalog(engine)
    assert len(found_skus) == 610
    assert result == counts(
        read=5825, created=len(found_skus) + len(found_plans) + len(found_links)
    )
    assert (E3, "ENTERPRISEPACK", "Office 365 E3", "group1") in found_skus
    assert (EXO, "EXCHANGE_S_ENTERPRISE", "Exchange Online (Plan 2)") in found_plans
    assert (E3, EXO) in found_links
    assert {sku_id for sku_id, part, *_ in found_skus if part == "MCOPSTN5"} == {
        PSTN_SMALL,
        PSTN_120,
    }
    renamed = uuid.UUID("4b74a65c-8b4a-4fc8-9f6b-5177ed11ddfa")
    assert (renamed, "VIRTUAL_AGENT_USL", "Microsoft Copilot Studio User License", "group1") in (
        found_skus
    )
    assert {part for _, part, _, group in found_skus if group == "group2"} == {
        "MEE_STUDENT",
        "MEE_FACULTY",
    }
    values = [value for row in found_skus | found_plans for value in row[1:] if value]
    assert values
    for value in values:
        assert NBSP not in value
        assert "\t" not in value
        assert value == value.strip()
        assert "  " not in value


def test_the_real_catalog_imports_once(
    engine: Engine, make_request: RequestFactory, real_csv: Path
) -> None:
    run(engine, make_request(KIND, real_csv))
    before = catalog(engine)

    assert run(engine, make_request(KIND, real_csv)) == counts(read=5825)
    assert catalog(engine) == before
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(skus)) == 610
