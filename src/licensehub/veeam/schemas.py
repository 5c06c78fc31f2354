"""Veeam Backup for Microsoft 365 v6 wire formats (vb365_rest_v6.json), names as Veeam
writes them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from licensehub.veeam.rules import LicenseState

# Grants the v6 document lists; licensehub answers the first two.
GrantType = Literal[
    "password",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "integration",
    "operator",
]


class TokenRequest(BaseModel):
    """The body of POST /v6/token, as a form or as JSON."""

    model_config = ConfigDict(extra="ignore")

    grant_type: GrantType = "password"
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    client_id: str | None = None
    assertion: str | None = None
    integration_token: str | None = None


class OAuthTokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    userName: str
    issued: datetime = Field(alias=".issued")
    expires: datetime = Field(alias=".expires")


class RESTExceptionInfo(BaseModel):
    message: str


class RESTLinkHAL(BaseModel):
    href: str


Links = dict[str, RESTLinkHAL]


class RESTOrganizationLicensingInformation(BaseModel):
    licensedUsers: int
    newUsers: int


class RestOrganizationComposed(BaseModel):
    """An organization as GET /v6/Organizations serves it: the fields the ledger knows."""

    id: uuid.UUID
    name: str
    officeName: str
    type: str  # RestOrganizationType: Office365, OnPremises or Hybrid
    isExchangeOnline: bool = True
    isSharePointOnline: bool = True
    isTeamsOnline: bool = True
    isBackedup: bool
    firstBackuptime: datetime | None
    lastBackuptime: datetime | None
    links: Links = Field(serialization_alias="_links")


class RESTLicensedUser(BaseModel):
    id: str
    name: str
    isBackedUp: bool
    lastBackupDate: datetime
    licenseState: LicenseState
    organizationId: uuid.UUID
    backedUpOrganizationId: str
    organizationName: str
    links: Links = Field(serialization_alias="_links")


class PageOfRESTLicensedUser(BaseModel):
    offset: int
    limit: int
    results: list[RESTLicensedUser]
    totalCount: int
    links: Links = Field(serialization_alias="_links")


# What `licensehub import veeam` reads of VB365's own responses (other fields are ignored).
# Validated as JSON, strictly: a number is no date, "true" no boolean.


class RESTLicense(BaseModel):
    """GET /v6/License: the installation's license."""

    model_config = ConfigDict(extra="ignore")

    licenseID: uuid.UUID | None = None
    type: Literal["Subscription", "Evaluation", "NFR", "Rental", "Community", "AwsPrivateOffer"]
    totalNumber: int = Field(ge=0)
    expirationDate: datetime | None = None


class ExportedLicensedUser(BaseModel):
    """One RESTLicensedUser of a GET /v6/LicensedUsers page."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: uuid.UUID
    name: str = Field(min_length=1)
    isBackedUp: bool = True
    lastBackupDate: datetime | None = None
    licenseState: LicenseState | None = None
    organizationId: uuid.UUID | None = None

    @model_validator(mode="after")
    def backed_up_when(self) -> ExportedLicensedUser:
        if self.isBackedUp and self.lastBackupDate is None:
            raise ValueError("a user backed up needs its lastBackupDate")
        return self
