"""All configuration, read from LICENSEHUB_* environment variables (or a .env file)."""

from __future__ import annotations

import ipaddress
import uuid
from pathlib import Path
from typing import Annotated

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from licensehub.ledger.database import CONNECTIONS


def default_data_dir() -> Path:
    """Where the embedded SQLite ledger lives unless LICENSEHUB_DATABASE_URL says otherwise."""
    return user_data_path("licensehub", appauthor=False)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LICENSEHUB_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    # Signs tokens; when unset, a key generated once and kept with the ledger is used.
    # HS256 wants at least 32 bytes of key (RFC 7518 3.2).
    secret_key: SecretStr | None = Field(default=None, min_length=32)
    token_lifetime_seconds: int = Field(default=3600, ge=60, le=86400)
    log_format: str = Field(default="auto", pattern="^(auto|json|console)$")
    log_level: str = "INFO"
    # Addresses of reverse proxies whose X-Forwarded-* / Forwarded headers are believed:
    # comma-separated addresses or networks, or "*" for any.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"]
    )
    # Bodies of API requests, and files uploaded to POST /imports (streamed to disk).
    max_body_bytes: int = Field(default=1 << 20, ge=1024)
    max_upload_bytes: int = Field(default=2 << 30, ge=1024)
    # How many point lookups (a customer, its SKUs, a user's licenses, a Veeam organization,
    # its LicensingInformation, licenseinfo's reading) run at once, each with a connection
    # kept for it; unset, the store's default (kit.pool_turns.LOOKUP_LANES). At most half
    # the pool, so that the other requests keep the rest.
    lookup_concurrency: int | None = Field(default=None, ge=1, le=CONNECTIONS // 2)
    # Browser origins allowed to call the API (CORS), comma-separated; none by default.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Entra ID sign-in (auth/entra.py), off while the issuer is unset. Entra's issuer names the
    # tenant, so "{tenantid}" in it stands for the token's own tid.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_tenants: Annotated[list[uuid.UUID], NoDecode] = Field(default_factory=list)
    # Unset: the jwks_uri of the issuer's discovery document.
    oidc_jwks_url: str | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def split_addresses(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for item in value if isinstance(value, list) else []:
            if item != "*":
                ipaddress.ip_network(item, strict=False)  # a ValueError names the bad entry
        return value

    @field_validator("oidc_tenants", mode="before")
    @classmethod
    def split_tenants(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def oidc_is_complete(self) -> Settings:
        # Half a configuration would accept too much (any audience) or nothing at all.
        if self.oidc_issuer and not (self.oidc_audience and self.oidc_tenants):
            raise ValueError(
                "LICENSEHUB_OIDC_ISSUER needs LICENSEHUB_OIDC_AUDIENCE and LICENSEHUB_OIDC_TENANTS"
            )
        return self

    @property
    def ledger_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir / "licensehub.db")

    @property
    def demo_url(self) -> str:
        """The demo lives in a database of its own, never in the user's ledger."""
        return sqlite_url(self.data_dir / "demo.db")

    @property
    def is_embedded(self) -> bool:
        return self.database_url is None
