"""The time, as a dependency: tests move it across day boundaries; the app reads UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from licensehub.ledger.tables.base import utcnow


async def now() -> datetime:
    # async, as every dependency that does no I/O: FastAPI runs a plain def in the thread
    # pool, which costs each request a trip there and back; an async one runs on the loop.
    return utcnow()


Now = Annotated[datetime, Depends(now)]
