"""CsvRows reads every text exactly as csv.reader does: the same rows, the same line numbers,
the same errors at the same line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licensehub.importers.csv_split import CsvRows


def by_csv(text: str) -> list[tuple[int, list[str]]] | tuple[str, int]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        return str(exc), reader.line_num


def by_split(text: str) -> list[tuple[int, list[str]]] | tuple[str, int]:
    rows = CsvRows(io.StringIO(text, newline=""))
    try:
        return list(rows)
    except csv.Error as exc:
        return str(exc), rows.line_num


@pytest.fixture
def small_field_limit() -> Iterator[int]:
    before = csv.field_size_limit(8)
    try:
        yield 8
    finally:
        csv.field_size_limit(before)


# Text made of what matters to a CSV reader, and a little of what does not.
csv_text = st.text(st.sampled_from(',"\r\n a\x00é\t;'), max_size=60)


@settings(max_examples=1000)
@given(csv_text)
def test_any_text_reads_as_csv_reader_reads_it(text: str) -> None:
    assert by_split(text) == by_csv(text)


@settings(max_examples=300)
@given(
    st.lists(
        st.lists(st.text(st.sampled_from(',"\r\na b\x00'), max_size=6), max_size=4), max_size=5
    )
)
def test_rows_csv_writer_wrote_read_back(rows: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    assert by_split(out.getvalue()) == by_csv(out.getvalue())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a,b\r\nc,d\r\n",
        "a,b\nc,d",  # no newline at the end
        "\n\n a \n,\n",  # blank lines, a blank value, a lone comma
        'a,"b\nc",d\ne,f\n',  # a quoted value over two lines: numbered by its last
        'a,"b\r\n\r\nc"\nd\n',
        'a,b"c,d\n',  # a stray quote in an unquoted value
        '"unterminated,\nx\n',
        "a\rb\rc\n",  # old Mac line ends
        "x" * 20 + ",y\n",
    ],
)
def test_the_edges_read_as_csv_reader_reads_them(text: str) -> None:
    assert by_split(text) == by_csv(text)


@pytest.mark.usefixtures("small_field_limit")
@pytest.mark.parametrize("text", ["ab,cd\nabcdefghij,k\n", 'a\n"abcdefghij"\n', "abcdefgh\n"])
def test_a_value_past_the_field_limit_fails_at_its_line_as_in_csv(text: str) -> None:
    split = by_split(text)
    assert split == by_csv(text)
    if "abcdefghij" in text:
        assert isinstance(split, tuple)
        assert split[0].startswith("field larger than field limit")


def test_the_usual_line_is_split_without_the_reader() -> None:
    """The point of it: a line with no quote never reaches csv.reader."""
    rows = CsvRows(io.StringIO("a,b\nc,d\n", newline=""))
    assert list(rows) == [(1, ["a", "b"]), (2, ["c", "d"])]
    assert rows.feed.handed == 0
