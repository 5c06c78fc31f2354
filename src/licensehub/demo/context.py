"""What every part of the demo builder shares: the connection, the seeded randomness and the
day the data is relative to."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection


@dataclass
class DemoContext:
    connection: Connection
    as_of: date
    rng: random.Random = field(default_factory=lambda: random.Random(20231106))

    @property
    def now(self) -> datetime:
        """Noon of the as-of day: 'now' for everything the demo records."""
        return datetime.combine(self.as_of, time(12, 0), tzinfo=UTC)

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def guid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability
