"""CSV records from decoded lines, with the damage of an unbalanced quote limited to its own line.

``csv.reader`` parses at C speed over lists of whole lines. A record on one line is taken as it is. A record
whose quoted value runs over several lines (a message body can) is kept only when nothing says the quote is
stray: it spans at most ``MAX_RECORD_LINES`` lines and ``MAX_RECORD_CHARS`` characters, contains no damaged
line, and none of its following lines reads on its own as a complete record (the header's number of columns;
for its last line, with a quote opening a value). Otherwise only its first line is rejected and reading starts
again on the next line.

So where a record ends depends only on the lines from its start to at most ``MAX_RECORD_LINES`` lines or
``MAX_RECORD_CHARS`` characters further, never on what came before: ``console.importers.ranges`` relies on
that to split a file exactly where a single reader's records end.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from itertools import chain
from typing import Any

MAX_RECORD_LINES = 100
MAX_RECORD_CHARS = 1 << 20
PREVIEW = 10_000

#: ``(first line number, lines)``: the lines a reader may have to read again.
Kept = tuple[int, list[str]]


class BrokenRecord(Exception):
    """Raised through ``csv.reader`` when the record being read is already known to be rejected."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


class LineFeed:
    """Lists of lines for ``csv.reader`` (via ``chain.from_iterable``), kept while a record may need them."""

    def __init__(self, source: Iterator[list[str]], first_line: int) -> None:
        self._source = source
        self.next_line = first_line  # the number of the first line not handed out yet
        self.kept: deque[Kept] = deque()
        self.record_start = first_line  # set by the reader before each record

    def __iter__(self) -> LineFeed:
        return self

    def __next__(self) -> list[str]:
        lines = next(self._source)
        first = self.next_line
        self.next_line += len(lines)
        start = self.record_start
        kept = self.kept
        while kept and kept[0][0] + len(kept[0][1]) <= start:
            kept.popleft()
        kept.append((first, lines))
        if start < first:  # a record runs on from the lines handed out before: it spans start..first at least
            if first - start + 1 > MAX_RECORD_LINES:
                raise BrokenRecord(_too_many_lines())
            if sum(map(len, self.lines(start, first))) > MAX_RECORD_CHARS:
                raise BrokenRecord(_too_many_chars())
        return lines

    def lines(self, first: int, last: int) -> list[str]:
        """Lines ``first..last`` (inclusive) from the kept lists."""
        found: list[str] = []
        for number, lines in self.kept:
            if number > last:
                break
            if number + len(lines) > first:
                found.extend(lines[max(0, first - number) : last - number + 1])
        return found

    def replay(self, first: int) -> Iterator[str]:
        """Every line handed out from ``first`` on, then the lines not handed out yet."""
        parts: list[Iterator[str]] = []
        for number, lines in self.kept:
            if number + len(lines) > first:
                part = iter(lines)
                part.__setstate__(max(0, first - number))  # type: ignore[attr-defined]
                parts.append(part)
        return chain(chain.from_iterable(parts), chain.from_iterable(self))


def _too_many_lines() -> str:
    return f"unbalanced quote: the quoted value opened on this line runs over more than {MAX_RECORD_LINES} lines"


def _too_many_chars() -> str:
    return f"unbalanced quote: the quoted value opened on this line runs over more than {MAX_RECORD_CHARS:,} characters"


#: ``(start line, end line, cells or None, problem, raw text)``; a blank line has no cells and no problem.
Span = tuple[int, int, list[str] | None, str, str]


def iter_spans(feed: LineFeed, delimiter: str, width: int, problems: dict[int, tuple[str, str]]) -> Iterator[Span]:
    """Every record from ``feed.next_line`` on, with its lines; ``problems`` are damaged lines (read as blank)."""
    start = feed.next_line
    offset = start - 1  # lines before the reader's first line
    reader: Any = csv.reader(chain.from_iterable(feed), delimiter=delimiter)
    while True:
        feed.record_start = start
        broken = ""
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = offset + reader.line_num
            if end == start:
                yield start, end, None, f"unreadable CSV record: {exc}", _raw(feed.lines(start, start))
                start = end + 1
                continue
            broken = f"unbalanced quote? unreadable CSV record from this line on ({exc})"
        except BrokenRecord as exc:
            broken = exc.problem
        else:
            end = offset + reader.line_num
            if end == start:  # one line: nearly every record
                if problems and start in problems:
                    problem, raw = problems.pop(start)
                    yield start, end, None, problem, raw
                else:
                    yield start, end, row or None, "", ""
                start = end + 1
                continue
            broken = _multi_line_problem(feed.lines(start, end), start, delimiter, width, problems)
            if not broken:
                yield start, end, row, "", ""
                start = end + 1
                continue
        yield start, start, None, broken, _raw(feed.lines(start, start))
        start += 1
        offset = start - 1
        reader = csv.reader(feed.replay(start), delimiter=delimiter)


def _multi_line_problem(
    lines: list[str], start: int, delimiter: str, width: int, problems: dict[int, tuple[str, str]]
) -> str:
    """Why a record read over ``lines`` is a stray quote swallowing other lines, or "" when it is one record."""
    if len(lines) > MAX_RECORD_LINES:
        return _too_many_lines()
    if sum(map(len, lines)) > MAX_RECORD_CHARS:
        return _too_many_chars()
    if any(start + n in problems for n in range(len(lines))):
        return "unbalanced quote: the quoted value opened on this line runs into a damaged line"
    for n, line in enumerate(lines[1:], start=1):
        if _reads_as_record(line, delimiter, width, last=n == len(lines) - 1):
            return "unbalanced quote: the quoted value opened on this line runs over complete records"
    return ""


def _reads_as_record(line: str, delimiter: str, width: int, last: bool) -> bool:
    """Whether ``line`` alone has the header's columns (the last line also a quote that opens a value)."""
    if width < 2 or line.count(delimiter) < width - 1:
        return False
    if last:
        quote = line.find('"')
        if quote < 0 or (quote > 0 and line[quote - 1] != delimiter):
            return False
    try:
        return len(next(csv.reader([line], delimiter=delimiter), [])) >= width
    except csv.Error:
        return False


def _raw(lines: list[str]) -> str:
    return "".join(lines).rstrip("\r\n")[:PREVIEW]
