"""The bench routes' constant answer: a JSON document of a requested size."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_SIZE = 10_000_000
Size = Annotated[int, Path(ge=0, le=MAX_SIZE, description="Body bytes.")]

bodies: dict[int, bytes] = {}


def constant_body(size: int) -> bytes:
    """A JSON document of exactly `size` bytes (at least the smallest such document)."""
    if size not in bodies:
        shell = b'{"padding":""}'
        bodies[size] = shell[:-2] + b"x" * max(size - len(shell), 0) + shell[-2:]
    return bodies[size]
