"""The Live Platform's bodies as it writes them, built as plain dicts: a pydantic model per
day's record cost more than the rest of the request for a month of them
(bench/HISTORY.md). schemas.LicenseInfo stays the route's `response_model`, and
tests/live_platform/test_license_info_body.py holds the bodies to the ledger's rows and to
what the model writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from licensehub.live_platform.rules import FACTOR_NAMES


def dotnet_time(moment: datetime | None) -> str | None:
    """As the Live Platform's .NET server writes it: 7 fractional digits and an offset (the
    ledger's times are UTC). isoformat, in C, writes all but the 7th digit and the offset;
    a strftime format took longer than the rest of a record's body."""
    if moment is None:
        return None
    return moment.isoformat(timespec="microseconds")[:26] + "0+00:00"


def license_info(row: Sequence[Any], guid: str) -> dict[str, Any]:
    """One day's record, its columns in the order of queries.RECORD_COLUMNS, as the page
    writes it (schemas.LicenseInfo)."""
    (
        _service,
        _day,
        acquired,
        monitored,
        licensed,
        direct_routing,
        operator_connect,
        lifecycle,
        user_interface,
        service_numbers,
        last_update,
        flags_level,
        by_template,
        by_user_interface,
        factor_service_numbers,
    ) = row
    return {
        "acquiredLicenses": acquired,
        "totalMonitoredUsers": monitored,
        "currentlyLicensed": licensed,
        "managedUsersDirectRouting": direct_routing,
        "managedUsersOperatorConnect": operator_connect,
        "managedUsersByLifeCycleManagement": lifecycle,
        "managedUsersUserInterface": user_interface,
        "managedServiceNumbers": service_numbers,
        "lastUpdate": dotnet_time(last_update),
        "umpCustomerGuid": guid,
        "licenseSettingsFlagsLevel": flags_level,
        "LicenseFactors": {
            FACTOR_NAMES["by_template"]: by_template,
            FACTOR_NAMES["by_user_interface"]: by_user_interface,
            FACTOR_NAMES["service_numbers"]: factor_service_numbers,
        },
    }
