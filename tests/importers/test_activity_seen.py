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
# Mostly the usual spelling, so that rows repeat a seen set of flags and take the shortcut.
flags = st.sampled_from(["True", "False"] * 10 + ["TRUE", "false", " true ", "False "])
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
        for line, row in enumerate(report, start=2):
            try:
                tally_row(checked, row, DAYS)
            except BadRow as exc:
                raise BadRow(str(exc), line) from None
    seen.settle(checked)
    return checked


@settings(max_examples=200, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=40))
def test_rows_seen_before_count_as_parsed_ones(report: list[tuple[str, ...]]) -> None:
    parsed, shortcut = counted(report, shortcut=False), counted(report, shortcut=True)
    assert shortcut == parsed
    assert parsed.read == len(report)


def refused_or_counted(
    report: list[tuple[str, ...]], shortcut: bool
) -> tuple[str, int | None] | Checked:
    try:
        return counted(report, shortcut)
    except BadRow as exc:
        return str(exc), exc.line


@settings(max_examples=200, deadline=None)
@given(
    st.lists(rows(), min_size=1, max_size=30),
    st.lists(
        st.tuples(
            st.integers(0, 29),
            st.integers(0, len(COLUMNS) - 2),
            st.sampled_from(["2026-13-01", "yes", "20261120", "2026-11-19"]),
        ),
        max_size=3,
    ),
)
def test_a_bad_row_is_refused_alike_with_its_line(
    report: list[tuple[str, ...]], damage: list[tuple[int, int, str]]
) -> None:
    """Bad dates and flags, and another refresh date, anywhere among seen rows: the
    shortcut refuses the same row with the same message as parsing every row does."""
    for index, column, value in damage:
        if index < len(report):
            row = list(report[index])
            row[column] = value
            report[index] = tuple(row)
    assert refused_or_counted(report, shortcut=True) == refused_or_counted(report, False)


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


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (COLUMNS.index(OTHER_DATES[0]), "2026-13-01", "not a date"),
        (COLUMNS.index(ACTIVITY[2]), "20261120", "not a date"),
        (COLUMNS.index(FLAGS[3]), "yes", "not True or False"),
    ],
)
def test_a_bad_value_in_a_row_like_seen_ones_is_refused_at_its_line(
    column: int, value: str, message: str
) -> None:
    row = counted_row(REFRESH.isoformat())
    bad = (*row[:column], value, *row[column + 1 :])
    with pytest.raises(BadRow, match=message) as refused:
        tally_rows(Checked(), Seen(), [(2, row), (3, row), (4, bad)], DAYS)
    assert refused.value.line == 4


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
