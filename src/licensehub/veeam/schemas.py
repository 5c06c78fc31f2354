"""Veeam Backup for Microsoft 365 v6 wire formats (vb365_rest_v6.json), names as Veeam
writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
