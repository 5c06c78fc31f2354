"""The active user report's shortcut (tally_rows, for rows of values already seen) counts
exactly as parsing every row (tally_row) does, however the values are spelled."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licensehub.importers import activity
from licensehub.importers.activity import (
    ACTIVITY,
    COLUMNS,
    FLAGS,
    FLAGS_AT,
    OTHER_DATES,
    PRODUCTS_AT,
    BadRow,
    Checked,
    Seen,
    tally_row,
    tally_rows,
)

REFRESH = date(2026, 11, 20)
DAYS = 30


# The period's edges (30 days back, and the day after the refresh) and days within it; now
# and then padded with spaces, which the shortcut leaves to tally_row.
DAYS_BACK = (-1, 0, 1, 29, 30, 31)
PLAIN = ["", *((REFRESH - timedelta(days=n)).isoformat() for n in DAYS_BACK)]
dates = st.sampled_from(PLAIN * 20 + [f" {value} " for value in PLAIN])
flags = st.sampled_from(["True", "False", "TRUE", "false", " true ", "False "])
products = st.sampled_from(["", "Microsoft 365 E3", "Visio Plan 2+Microsoft 365 E3", "POWER BI"])
refreshes = st.sampled_from([REFRESH.isoformat()] * 9 + [f" {REFRESH.isoformat()}"])


@st.composite
def rows(draw: st.DrawFn) -> tuple[str, ...]:
    row = (
        draw(refreshes),
        *(draw(dates) for _ in ACTIVITY),
        *(draw(dates) for _ in OTHER_DATES),
        *(draw(flags) for _ in FLAGS),
        draw(products),
    )
    assert len(row) == len(COLUMNS)
    return row


def counted(report: list[tuple[str, ...]], shortcut: bool) -> Checked:
    checked, seen = Checked(), Seen()
    if shortcut:
        tally_rows(checked, seen, enumerate(report, start=2), DAYS)
    else:
        for row in report:
            tally_row(checked, row, DAYS)
    seen.settle(checked)
    return checked


@settings(max_examples=200, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=40))
def test_rows_seen_before_count_as_parsed_ones(report: list[tuple[str, ...]]) -> None:
    parsed, shortcut = counted(report, shortcut=False), counted(report, shortcut=True)
    assert shortcut == parsed
    assert parsed.read == len(report)


def test_a_row_of_another_refresh_date_is_refused_with_its_line_after_seen_rows() -> None:
    row = counted_row(REFRESH.isoformat())
    other = counted_row((REFRESH - timedelta(days=1)).isoformat())
    checked, seen = Checked(), Seen()
    tally_rows(checked, seen, [(2, row), (3, row)], DAYS)
    assert row[FLAGS_AT] in seen.flags  # learnt from the first row
    assert row[PRODUCTS_AT] in seen.products
    with pytest.raises(BadRow, match="differs from the report's") as refused:
        tally_rows(checked, seen, [(4, row), (5, other)], DAYS)
    assert refused.value.line == 5
    seen.settle(checked)
    assert checked.read == 3


def counted_row(refresh: str) -> tuple[str, ...]:
    return (
        refresh,
        *(refresh for _ in ACTIVITY),
        *("" for _ in OTHER_DATES),
        *("False", *("True" for _ in FLAGS[1:])),
        "Microsoft 365 E3",
    )


def test_seen_rows_held_past_the_bound_reach_the_tallies_all_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chooser = random.Random(7)
    report = [
        (
            REFRESH.isoformat(),
            *(chooser.choice(PLAIN) for _ in ACTIVITY),
            *("" for _ in OTHER_DATES),
            "False",
            *(chooser.choice(("True", "False")) for _ in FLAGS[1:]),
            chooser.choice(["Microsoft 365 E3", "Visio Plan 2+Microsoft 365 E3"]),
        )
        for _ in range(300)
    ]
    unbounded = counted(report, shortcut=True)
    monkeypatch.setattr(activity, "KINDS_KEPT", 3)
    assert counted(report, shortcut=True) == unbounded == counted(report, shortcut=False)
