"""All configuration, read from LICENSEHUB_* environment variables (or a .env file)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def split_addresses(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for item in value if isinstance(value, list) else []:
            if item != "*":
                ipaddress.ip_network(item, strict=False)  # a ValueError names the bad entry
        return value

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
