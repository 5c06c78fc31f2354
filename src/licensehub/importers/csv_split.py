"""CSV rows exactly as the csv module reads them, about twice as fast for the usual line.

A million-row report spends most of its reading in csv.reader. Yet a line with no quote
character is, to the reader, its text split at the commas: that line is split with str.split.
Any other line (quoted values, which may run on over further lines; blank lines; a line longer
than the reader's field limit) is handed to csv.reader, which reads it and the lines after it
that its value runs on to, from the same file."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator


class Feed:
    """The lines csv.reader reads: the file's, after the one line put back for it; counts the
    lines it hands out, as csv.reader's line_num does."""

    __slots__ = ("back", "handed", "lines")

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.back: str | None = None
        self.handed = 0

    def __iter__(self) -> Feed:
        return self

    def __next__(self) -> str:
        line, self.back = self.back, None
        if line is None:
            line = next(self.lines)
        self.handed += 1
        return line


class CsvRows:
    """Iterating gives (line number, row) for each row of the text, the number being the last
    physical line the row took, as csv.reader's line_num. `line_num` holds it too, once the
    iteration has stopped, as by an error: a file not in UTF-8 fails past that line."""

    def __init__(self, text: Iterable[str]) -> None:
        self.lines = iter(text)
        self.feed = Feed(self.lines)
        self.line_num = 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        feed, parser, limit = self.feed, csv.reader(self.feed), csv.field_size_limit()
        line_num = self.line_num
        try:
            for line in self.lines:
                if '"' in line or line[0] in "\r\n" or len(line) > limit:
                    feed.back, before = line, feed.handed
                    try:
                        row = next(parser)
                    finally:
                        line_num += feed.handed - before
                else:
                    line_num += 1
                    row = line.rstrip("\r\n").split(",")
                yield line_num, row
        finally:
            self.line_num = line_num
