"""The Live Platform's bodies as it writes them. A day's record is stored with its body, the
JSON text licenseinfo answers (voice_license_info_days.body): a month of them is read on every
request, and a dict per record, a model, or the database writing them on each read cost more
than the rest of the request (bench/HISTORY.md). license_info() writes a record's body as it
is written, for the record's writers (queries.day_record);
LICENSE_INFO_JSON writes the same in SQL, for records written in bulk (the migration that
added the column, the bench's ledger). schemas.LicenseInfo stays the route's
`response_model`; tests/live_platform/test_license_info_body.py holds the bodies to the
ledger's columns and to what the model writes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pydantic_core
from sqlalchemy import Text, bindparam, cast
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

from licensehub.kit.json_rows import JsonBool, JsonObject
from licensehub.ledger.tables import voice_license_info_days as days
from licensehub.live_platform.rules import FACTOR_NAMES


def dotnet_time(moment: datetime | None) -> str | None:
    """As the Live Platform's .NET server writes it: 7 fractional digits and an offset (the
    ledger's times are UTC). isoformat, in C, writes all but the 7th digit and the offset;
    a strftime format took longer than the rest of a record's body."""
    if moment is None:
        return None
    return moment.isoformat(timespec="microseconds")[:26] + "0+00:00"


class DotnetTime(FunctionElement[str]):
    """dotnet_time() in SQL, of a UTC timestamp column."""

    type = Text()
    inherit_cache = True
    name = "dotnet_time"


@compiles(DotnetTime, "postgresql")
def _dotnet_time_postgresql(element: DotnetTime, compiler: SQLCompiler, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    utc = f"({moment} AT TIME ZONE 'UTC')"
    return f"""(to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS.US') || '0+00:00')"""


@compiles(DotnetTime, "sqlite")
def _dotnet_time_sqlite(element: DotnetTime, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy keeps a timestamp on SQLite as 'YYYY-MM-DD HH:MM:SS.ffffff', in UTC here.
    return f"(replace({compiler.process(element.clauses, **kw)}, ' ', 'T') || '0+00:00')"


# The service's umpCustomerGuid, bound as text.
GUID_TEXT = cast(bindparam("guid_text"), Text)


def license_info(record: Mapping[str, Any], guid: str | None) -> dict[str, Any]:
    """One day's record, a voice_license_info_days row's values by column name, as the page
    writes it (schemas.LicenseInfo)."""
    return {
        "acquiredLicenses": record["acquired_licenses"],
        "totalMonitoredUsers": record["total_monitored_users"],
        "currentlyLicensed": record["currently_licensed"],
        "managedUsersDirectRouting": record["managed_users_direct_routing"],
        "managedUsersOperatorConnect": record["managed_users_operator_connect"],
        "managedUsersByLifeCycleManagement": record["managed_users_lifecycle"],
        "managedUsersUserInterface": record["managed_users_user_interface"],
        "managedServiceNumbers": record["managed_service_numbers"],
        "lastUpdate": dotnet_time(record["last_update"]),
        "umpCustomerGuid": guid,
        "licenseSettingsFlagsLevel": record["flags_level"],
        "LicenseFactors": {FACTOR_NAMES[name]: record[f"factor_{name}"] for name in FACTOR_NAMES},
    }


def license_info_text(record: Mapping[str, Any], guid: str | None) -> str:
    """license_info() as the JSON text LICENSE_INFO_JSON writes: a record's body."""
    return pydantic_core.to_json(license_info(record, guid)).decode()


LICENSE_INFO_JSON = JsonObject(
    {
        "acquiredLicenses": days.c.acquired_licenses,
        "totalMonitoredUsers": days.c.total_monitored_users,
        "currentlyLicensed": days.c.currently_licensed,
        "managedUsersDirectRouting": days.c.managed_users_direct_routing,
        "managedUsersOperatorConnect": days.c.managed_users_operator_connect,
        "managedUsersByLifeCycleManagement": days.c.managed_users_lifecycle,
        "managedUsersUserInterface": days.c.managed_users_user_interface,
        "managedServiceNumbers": days.c.managed_service_numbers,
        "lastUpdate": DotnetTime(days.c.last_update),
        "umpCustomerGuid": GUID_TEXT,
        "licenseSettingsFlagsLevel": days.c.flags_level,
        "LicenseFactors": JsonObject(
            {FACTOR_NAMES[name]: JsonBool(days.c[f"factor_{name}"]) for name in FACTOR_NAMES}
        ),
    }
)
