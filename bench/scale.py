"""How big each run is. Usage rows grow with tenants (each has a few product and workload
rows a day) over a fixed span of processing dates, so that one date's rows grow with the
total as a large partner's do."""

from __future__ import annotations

from dataclasses import dataclass

# On average 2.74 (product, workload) rows per tenant and date: 10 M rows are 5,000 tenants
# over two years of dates.
ROWS_PER_TENANT_DAY = 2.74


@dataclass(frozen=True)
class Scale:
    name: str
    days: int
    usage_rows: dict[str, int]  # by store
    growth_rows: tuple[int, ...]  # the growth figure's sizes (PostgreSQL; SQLite stops at its own)
    repeats: int  # each analytics query, its SQL, floor and replay, turn about
    load_seconds: int
    report_rows: int  # the active user detail report's rows
    graph_users: int  # the Graph export's users
    lookup_users_per_tenant: int  # on average; 200 is a million users at 5,000 tenants
    connections: tuple[int, ...] = (1, 16, 64)

    def tenants(self, rows: int) -> int:
        return max(1, round(rows / (ROWS_PER_TENANT_DAY * self.days)))


SCALES = {
    "smoke": Scale(
        name="smoke",
        days=30,
        usage_rows={"postgresql": 200_000, "sqlite": 100_000},
        growth_rows=(20_000, 60_000, 200_000),
        repeats=5,
        load_seconds=3,
        report_rows=20_000,
        graph_users=6_000,
        lookup_users_per_tenant=20,
    ),
    "full": Scale(
        name="full",
        days=730,
        usage_rows={"postgresql": 10_000_000, "sqlite": 2_000_000},
        growth_rows=(1_000_000, 3_000_000, 10_000_000),
        repeats=31,
        load_seconds=15,
        report_rows=1_000_000,
        graph_users=300_000,
        lookup_users_per_tenant=200,
    ),
}
