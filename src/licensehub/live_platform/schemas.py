"""The Live Platform's wire format: field names and casing as its page prints them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LicenseInfo(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    acquiredLicenses: int
    # The page's table types it as string, its example prints a number: a number is served.
    totalMonitoredUsers: int
    currentlyLicensed: int
    managedUsersDirectRouting: int
    managedUsersOperatorConnect: int
    managedUsersByLifeCycleManagement: int
    managedUsersUserInterface: int
    managedServiceNumbers: int
    lastUpdate: str | None
    umpCustomerGuid: str
    licenseSettingsFlagsLevel: int = Field(
        description="Where the effective License Factors come from: 0 built-in defaults "
        "(all on), 1 this service's own settings (it overrides one factor or more), "
        "2 the service provider's global settings."
    )
    LicenseFactors: dict[str, bool]
