"""The reference material in ../shared/, when this checkout has it beside it.

CI has it; a user's fresh clone may not, so every test that reads it has a fallback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared"


def recorded(relative: str) -> Any | None:
    """A recorded JSON response from shared/data, or None when shared/ is absent."""
    path = SHARED / "data" / relative
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8-sig"))
