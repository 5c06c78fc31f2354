"""The time, as a dependency: tests move it across day boundaries; the app reads UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from licensehub.ledger.tables.base import utcnow


async def now() -> datetime:
    # async, as every dependency that does no I/O: a plain def would cost each request a
    # trip to the thread pool and back.
    return utcnow()


Now = Annotated[datetime, Depends(now)]
