"""Reading import files as they come: BOMs, CRLF, CSV with odd spacing, JSON pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

import ijson
import orjson

from licensehub.importers.base import InvalidImport, Progress, SourceFile
from licensehub.importers.csv_split import CsvRows

READ_CHUNK = 1 << 20  # bytes the progress bar is told of at a time: a call each


class CountingReader(io.RawIOBase):
    """Reports every byte read to the progress bar."""

    def __init__(self, raw: io.BufferedIOBase, progress: Progress) -> None:
        self.raw, self.progress = raw, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        read = self.raw.readinto(buffer)  # straight into the caller's buffer: no copy
        self.progress.advance(read)
        return read


def clean(value: str | None) -> str:
    """Trim what exports leave in values: no-break spaces, tabs, trailing blanks."""
    return " ".join((value or "").replace("\u00a0", " ").split())


def csv_rows(
    source: SourceFile, progress: Progress, required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by cleaned header name), header checked for the required columns.
    Unknown columns are kept and ignored by the caller."""
    for line, header, row in csv_lines(source, progress, required):
        yield line, dict(zip(header, row, strict=False))


def csv_columns(
    source: SourceFile, progress: Progress, columns: tuple[str, ...], required: tuple[str, ...]
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(line number, the values of `columns` in that order): no dict per row, for reports of
    a million rows. The header must have the `required` ones, and none of `columns` twice
    (which of the two to read cannot be told); a column it lacks, and a value a short row
    lacks, read as ""."""
    with csv_reader(source, progress, required, distinct=columns) as (rows, header):
        width = len(header)
        # A column the header lacks points one past its end, where each row is padded with "".
        pick = picker([header.index(name) if name in header else width for name in columns])
        padded = width + (not set(columns) <= set(header))
        for line, row in rows:
            # The usual row is full and its first value not blank: two cheap tests. The rest
            # may be blank, short or too long (checked_row).
            if len(row) != width or not row[0].strip():
                if (checked := checked_row(source, line, row, width)) is None:
                    continue
                row = checked
            if len(row) < padded:
                row += [""] * (padded - len(row))
            yield line, pick(row)


def picker(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """The values at `indexes` of a row, as a tuple. itemgetter is the fast way, but for one
    index it answers the value itself rather than a tuple of one."""
    if len(indexes) > 1:
        return itemgetter(*indexes)
    return lambda row: tuple(row[index] for index in indexes)


def csv_lines(
    source: SourceFile, progress: Progress, required: tuple[str, ...]
) -> Iterator[tuple[int, list[str], list[str]]]:
    """(line number, cleaned header, row) of each row that is not blank. The header must
    have the `required` columns, each once (which of two to read cannot be told)."""
    with csv_reader(source, progress, required, distinct=required) as (rows, header):
        for line, row in rows:
            if (checked := checked_row(source, line, row, len(header))) is not None:
                yield line, header, checked


def checked_row(source: SourceFile, line: int, row: list[str], width: int) -> list[str] | None:
    """The row, None if it is blank; refused if it has values past the header's columns."""
    if not "".join(row).strip():
        return None
    if len(row) > width and "".join(row[width:]).strip():
        raise InvalidImport(
            source.name,
            f"line {line}",
            f"{len(row)} fields where the header has {width}",
        )
    return row


@contextmanager
def csv_reader(
    source: SourceFile, progress: Progress, required: tuple[str, ...], distinct: tuple[str, ...]
) -> Iterator[tuple[Iterator[tuple[int, list[str]]], list[str]]]:
    """The file's (line, row)s, past its cleaned header (checked for the `required` columns,
    and the `distinct` ones at most once each); a row it cannot decode is refused with its
    line."""
    with source.path.open("rb") as raw:
        counted = io.BufferedReader(CountingReader(raw, progress), buffer_size=READ_CHUNK)
        text = CsvRows(io.TextIOWrapper(counted, encoding="utf-8-sig", newline=""))
        rows = iter(text)
        try:
            header = [clean(name) for name in next(rows)[1]]
        except StopIteration:
            raise InvalidImport(source.name, None, "the file is empty") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InvalidImport(source.name, "line 1", f"not UTF-8 CSV ({exc})") from None
        missing = [name for name in required if name not in header]
        if missing:
            raise InvalidImport(
                source.name, "line 1", f"missing required column(s): {', '.join(missing)}"
            )
        repeated = [name for name in distinct if header.count(name) > 1]
        if repeated:
            raise InvalidImport(
                source.name, "line 1", f"column(s) named more than once: {', '.join(repeated)}"
            )
        try:
            yield rows, header
        except UnicodeDecodeError as exc:
            raise InvalidImport(
                source.name, f"line {text.line_num + 1}", f"not UTF-8 ({exc})"
            ) from None
        except csv.Error as exc:
            raise InvalidImport(source.name, f"line {text.line_num}", str(exc)) from None


def json_items(source: SourceFile, progress: Progress, prefix: str) -> Iterator[tuple[str, Any]]:
    """(JSON path, item) for each member of the array at `prefix` (ijson's notation, e.g.
    "value.item"). A leading BOM or whitespace is fine."""
    array, where = array_at(prefix)
    whole = whole_file_items(source, array)
    if whole is None:
        yield from streamed_items(source, progress, prefix)
        return
    progress.advance(source.size)
    for index, item in enumerate(whole):
        yield f"{where}[{index}]", item


def streamed_items(
    source: SourceFile, progress: Progress, prefix: str
) -> Iterator[tuple[str, Any]]:
    """json_items, read as a stream: memory stays bounded by an item."""
    _, where = array_at(prefix)
    with source.path.open("rb") as raw:
        stream = io.BufferedReader(CountingReader(raw, progress))
        if stream.peek(3)[:3] == BOM:
            stream.read(3)
        index = -1
        try:
            for index, item in enumerate(ijson.items(stream, prefix, use_float=True)):
                yield f"{where}[{index}]", item
        except ijson.JSONError as exc:
            at = f"{where}[{index + 1}]" if index >= 0 else "$"
            raise InvalidImport(source.name, at, f"not valid JSON ({exc})") from None


def array_at(prefix: str) -> tuple[str, str]:
    """The member of the top object the items are in ("" for a top-level array, ijson's "item"),
    and its JSON path."""
    array = "" if prefix == "item" else prefix.removesuffix(".item")
    return array, f"$.{array}" if array else "$"


# A page of a vendor's list (Graph's 999 users, ~1 MB) is decoded at once by orjson: a 100,000
# user export is checked in 1.1 s instead of 1.4 s through ijson. Larger files are streamed:
# decoded whole, a file of small items can take 20x its bytes (2 MB of {} is ~50 MB of dicts).
# ijson stays the reference: a file orjson refuses goes to it, which says what is wrong and
# where. The two read every document alike but for integers past 64 bits, which ijson
# refuses as not JSON and orjson reads (past 2**64 as floats): a number field refuses them
# in range checks, a text field takes their digits.
WHOLE_FILE = 2 << 20
BOM = b"\xef\xbb\xbf"


def whole_file_items(source: SourceFile, array: str) -> list[Any] | None:
    """The members of the array at `array` ("" for the top level, else a member of the top
    object), or None when the file is to be streamed instead."""
    if source.size > WHOLE_FILE:
        return None
    data = source.path.read_bytes().removeprefix(BOM)
    if array and not named_once(data, array):
        return None
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if array:
        document = document.get(array) if type(document) is dict else None
    return document if type(document) is list else None


def named_once(data: bytes, array: str) -> bool:
    """Whether no member but one can be named `array`. Of two members of one name, orjson
    keeps the last and ijson reads the items of both; a name may also be spelled with
    escapes ("val\\u0075e"), which only a file with a \\u00 escape can hold."""
    if data.count(b'"%s"' % array.encode()) != 1:
        return False
    if b"\\" not in data or b"\\u00" not in data:  # most pages hold no escape: memchr finds none
        return True
    escapes = {form % ord(letter) for letter in array for form in (b"\\u%04x", b"\\u%04X")}
    return not any(escape in data for escape in escapes)
