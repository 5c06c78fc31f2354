"""Typed dependencies that endpoints declare: the ledger connection of the request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection


def ledger_connection(request: Request) -> Iterator[Connection]:
    """One transaction per request: committed when the endpoint returns, else rolled back."""
    with request.app.state.engine.begin() as connection:
        yield connection


Ledger = Annotated[Connection, Depends(ledger_connection)]
