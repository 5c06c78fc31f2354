"""Reading CSV by column: which columns a header may name twice, and any number of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensehub.importers.base import InvalidImport, NoProgress, SourceFile
from licensehub.importers.reading import csv_columns


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
