"""The app the Veeam tests drive: the real one, with the organization routes added while
app.py does not serve them yet, and a clock the tests move."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI

import licensehub.app
from licensehub.app import create_app
from licensehub.settings import Settings
from licensehub.veeam import organizations
from tests.veeam.spec import template_of, validate_response

# The demo's backup organizations. Woodgrove Bank is customer A's (tests/auth/world.py);
# Humongous Insurance and Alpine Ski House are other customers of partner A; Lamna Healthcare
# is partner B's.
WOODGROVE = uuid.UUID("92460656-7a85-4a04-b1af-1ea903c0bc2e")  # the page's example
HUMONGOUS = uuid.UUID("d4b8e2f6-0a1c-4e3b-9f5d-7c6a8b9e0f12")  # Rental, 40 new users
LAMNA = uuid.UUID("1e9f3c5a-7b2d-4a6e-8c0f-5d4b3a2e1f23")  # past its limit
ALPINE = uuid.UUID("6a2c4e8f-9b1d-4f3a-b5c7-0e2d4f6a8b34")  # small

# Noon of the demo's as-of day: "now" for everything the demo recorded.
DEMO_NOON = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.moment = DEMO_NOON

    def __call__(self) -> datetime:
        return self.moment


def veeam_app(url: str, data_dir: Path, **settings: object) -> FastAPI:
    app = create_app(Settings(database_url=url, data_dir=data_dir, **settings))
    if organizations.router not in licensehub.app.ROUTERS:
        app.include_router(organizations.router)
    return app


def check_schema(response: httpx.Response) -> None:
    """An httpx response hook: every answer of a Veeam organization route must match Veeam's
    v6 document."""
    if template_of(response.request.url.path) is not None:
        response.read()
        validate_response(response)
