"""statistics on the usage analytics' lowered text fields (PostgreSQL)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:00:00

The analytics filter compares text fields case-insensitively, as lower(column) =
lower(value). PostgreSQL keeps no statistics on lower(column) by itself and guesses such a
condition keeps 0.5% of the rows: on the bench's 5,000 tenants it planned a day's ~2,900
filtered rows as one row, and joined them to the tenants in nested loops, 1.3 s a query.
With statistics on the expressions it estimates them (2,807 for 2,900) and answers in
12-24 ms (bench/HISTORY.md). One statistics object per expression: each gets that
expression's own statistics and nothing multivariate, which the filter has no use for.
PostgreSQL 14 is the first with statistics on expressions; before it, nothing is made and
the planner guesses as it did. SQLite's planner does not estimate rows this way, and has
nothing to build.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# license_usage's text columns that partner_center/filters.py compares lowered.
LOWERED = (
    "workload_code",
    "workload_name",
    "service_code",
    "service_name",
    "channel",
    "customer_name",
    "product_name",
)


def statistics_name(column: str) -> str:
    return f"st_license_usage_lower_{column}"


def has_expression_statistics() -> bool:
    dialect = op.get_bind().dialect
    return dialect.name == "postgresql" and (dialect.server_version_info or (0,)) >= (14,)


def upgrade() -> None:
    if not has_expression_statistics():
        return
    for column in LOWERED:
        op.execute(
            f"CREATE STATISTICS {statistics_name(column)} ON (lower({column})) FROM license_usage"
        )
    # A ledger upgraded with its rows in place gets them now, not at autovacuum's next turn.
    op.execute("ANALYZE license_usage")


def downgrade() -> None:
    if not has_expression_statistics():
        return
    for column in LOWERED:
        op.execute(f"DROP STATISTICS IF EXISTS {statistics_name(column)}")
