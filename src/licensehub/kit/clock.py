"""The time, as a dependency: tests move it across day boundaries; the app reads UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from licensehub.ledger.tables.base import utcnow


def now() -> datetime:
    return utcnow()


Now = Annotated[datetime, Depends(now)]
