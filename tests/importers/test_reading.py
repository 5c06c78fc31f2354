"""Reading CSV by column: which columns a header may name twice, and any number of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensehub.importers.base import InvalidImport, NoProgress, SourceFile
from licensehub.importers.reading import csv_columns, csv_rows


def columns_of(
    tmp_path: Path, text: str, columns: tuple[str, ...], required: tuple[str, ...] = ()
) -> list[tuple[int, tuple[str, ...]]]:
    path = tmp_path / "report.csv"
    path.write_text(text, encoding="utf-8")
    return list(csv_columns(SourceFile(path.name, path), NoProgress(), columns, required))


@pytest.mark.parametrize(
    ("columns", "want"),
    [
        (("b", "a"), [(2, ("2", "1")), (3, ("5", "4"))]),
        (("b",), [(2, ("2",)), (3, ("5",))]),
        (("missing",), [(2, ("",)), (3, ("",))]),
        ((), [(2, ()), (3, ())]),
    ],
)
def test_any_number_of_columns_reads_as_a_tuple(
    tmp_path: Path, columns: tuple[str, ...], want: list[tuple[int, tuple[str, ...]]]
) -> None:
    assert columns_of(tmp_path, "a,b,c\n1,2,3\n4,5\n", columns) == want


def test_a_column_read_that_the_header_names_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidImport) as caught:
        columns_of(tmp_path, "a,b,a,c\n1,2,3,4\n", ("b", "a", "c"), required=("b",))
    assert (caught.value.file, caught.value.location) == ("report.csv", "line 1")
    assert caught.value.message == "column(s) named more than once: a"
    with pytest.raises(InvalidImport, match="named more than once: a"):
        columns_of(tmp_path, "a,b, a\n", ("a",))  # without rows too, after cleaning


def test_a_column_not_read_may_be_named_twice(tmp_path: Path) -> None:
    assert columns_of(tmp_path, "x,a,x\n1,2,3\n", ("a",)) == [(2, ("2",))]


def test_a_required_column_named_twice_is_refused_by_dict_rows_too(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text("a,b,a\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InvalidImport, match="named more than once: a"):
        list(csv_rows(SourceFile(path.name, path), NoProgress(), ("a",)))


def test_blank_short_and_long_rows(tmp_path: Path) -> None:
    text = "a,b,c\n1,2,3\n\n,,\n,5,6\n7\n8,9,10,,\n"
    assert columns_of(tmp_path, text, ("a", "c")) == [
        (2, ("1", "3")),
        (5, ("", "6")),  # a blank first value, not a blank row
        (6, ("7", "")),  # short: what it lacks reads as ""
        (7, ("8", "10")),  # long, but only with blanks past the header
    ]
    with pytest.raises(InvalidImport, match="5 fields where the header has 3") as caught:
        columns_of(tmp_path, "a,b,c\n1,2,3\n4,5,6,x,\n", ("a",))
    assert caught.value.location == "line 3"


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    # Text is decoded a chunk ahead of the rows: a small file fails at its header already.
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n3,\xff\n")
    with pytest.raises(InvalidImport, match="not UTF-8"):
        list(csv_columns(SourceFile(path.name, path), NoProgress(), ("a", "b"), ()))
