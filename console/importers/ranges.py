"""Splitting a big plain export into byte ranges that separate processes can import at the same time.

Only line-based layouts split (JSON Lines, CSV). Every range starts exactly where a single reader starts a
record (for CSV, whatever the quotes before: see ``_CsvWindow``), so the ranges read one after another give
the single reader's records, with their physical line numbers in the whole file.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from console.importers import csvrecords, registry
from console.importers.base import EventRecord, Record, Reject
from console.importers.csvfile import LATIN1_FALLBACK, CsvTable, is_utf8
from console.importers.errors import UnknownFormat
from console.importers.reading import CHUNK, GZIP_MAGIC, ByteCounter, read_head, utf16_codec
from console.importers.registry import Layout, ProviderFormat, ReadContext

#: Files smaller than this are read by one process: starting another costs more than it saves.
MIN_SPLIT_BYTES = 48 << 20
BOM = b"\xef\xbb\xbf"


@dataclasses.dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int
    #: Physical lines before ``start``.
    lines_before: int
    #: The first line of the next range (None for the last range): a CSV range reads on past ``end`` to finish
    #: its last record, and stops at the first record starting on this line.
    next_line: int | None = None


def _format(path: Path, fmt: str) -> ProviderFormat:
    found = registry.get(fmt)
    if found is None:
        raise UnknownFormat(path, f"unknown format {fmt!r}; supported formats: {', '.join(registry.names())}")
    return found


def layout(path: Path, fmt: str) -> Layout:
    """How the file may be split (its format's layout for its head)."""
    return _format(path, fmt).layout(read_head(path, 1 << 16))


def splittable(path: Path, fmt: str) -> bool:
    """Plain (not gzip, not UTF-16) exports of a line or CSV layout, big enough to be worth splitting."""
    if path.stat().st_size < MIN_SPLIT_BYTES or not registry.in_every_process(fmt) or layout(path, fmt) is Layout.WHOLE:
        return False
    with path.open("rb") as raw:
        first = raw.read(4096)
    return first[:2] != GZIP_MAGIC and utf16_codec(first) is None


def plan_ranges(path: Path, fmt: str, parts: int) -> list[ByteRange]:
    """Up to ``parts`` ranges, each starting where a single reader's record starts, or the whole file as one.

    A JSON Lines record is a line, so any line end will do. A CSV cut is placed where every way of reading the
    lines before it leads (see ``_csv_cut``), so it is a record start whatever the quotes before it.
    """
    size = path.stat().st_size
    if parts < 2 or not splittable(path, fmt):
        return [ByteRange(0, size, 0)]
    head = read_head(path, 1 << 16)
    csv = _CsvWindow(path, head) if layout(path, fmt) is Layout.CSV else None
    cuts: list[tuple[int, int]] = []  # (offset, number of the line starting there)
    with path.open("rb") as handle:
        lines = _LineCounter(handle)
        for target in (size * k // parts for k in range(1, parts)):
            if cuts and target <= cuts[-1][0]:
                continue
            at = lines.next_line_start(target)
            if at is None:
                break
            cut: tuple[int, int] | None = (at, lines.before(at) + 1)
            if csv is not None:
                cut = csv.cut(handle, at, lines.before(at) + 1, size)
            if cut is not None and cut[0] < size and (not cuts or cut[0] > cuts[-1][0]):
                cuts.append(cut)
    bounds = [(0, 1), *cuts, (size, 0)]
    ranges = [
        ByteRange(a, b, line_a - 1, line_b if b < size else None)
        for (a, line_a), (b, line_b) in itertools.pairwise(bounds)
    ]
    return [r for r in ranges if r.end > r.start]


class _LineCounter:
    """Newlines before an offset, counted forward through the file once."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._offset = 0
        self._lines = 0

    def before(self, offset: int) -> int:
        """Physical lines ending before ``offset`` (offsets asked for never decrease)."""
        handle = self._handle
        handle.seek(self._offset)
        while self._offset < offset:
            chunk = handle.read(min(CHUNK, offset - self._offset))
            if not chunk:
                break
            self._lines += chunk.count(b"\n")
            self._offset += len(chunk)
        return self._lines

    def next_line_start(self, offset: int) -> int | None:
        """The first line start at or after ``offset`` (None at the end of the file)."""
        handle = self._handle
        handle.seek(offset - 1 if offset > 0 else 0)
        if offset == 0:
            return 0
        position = offset - 1
        while chunk := handle.read(CHUNK):
            found = chunk.find(b"\n")
            if found >= 0:
                return position + found + 1
            position += len(chunk)
        return None


class _CsvWindow:
    """Where a CSV file can be cut so that the ranges give exactly the records of a single reader.

    Records end where ``csvrecords`` says, and that depends only on the lines from a record's start on (at most
    ``MAX_RECORD_LINES`` lines or ``MAX_RECORD_CHARS`` characters). So whatever the quotes before a line, the
    single reader's record that covers it started on one of the ``MAX_RECORD_LINES`` lines up to it (within
    ``4 * MAX_RECORD_CHARS`` bytes). Following each of those starts record by record, the real reading is one of
    them: where all of them meet, the single reader starts a record, and the file is cut there.
    """

    AHEAD = 8 << 20

    def __init__(self, path: Path, head: bytes) -> None:
        self.path = path
        self.latin1 = not is_utf8(head)
        self.header, self.data_start = csv_header(head, self.latin1)

    def cut(self, handle: BinaryIO, at: int, line: int, size: int) -> tuple[int, int] | None:
        """``(offset, line)`` of a record start at or after the line starting at ``at``, or None."""
        if at < self.data_start:
            return None
        low = max(self.data_start, at - 4 * csvrecords.MAX_RECORD_CHARS - 1)  # lines starting before: too far back
        handle.seek(low)
        block = handle.read(min(size, at + self.AHEAD) - low)
        whole = low + len(block) >= size
        starts = [low] if low == self.data_start else []
        position = block.find(b"\n")
        while position >= 0:
            starts.append(low + position + 1)
            position = block.find(b"\n", position + 1)
        if whole and starts and starts[-1] >= size:
            starts.pop()  # no line starts at the very end
        ends = [*starts[1:], size] if whole else starts[1:]  # the lines read whole: a window may use them
        if at not in starts:
            return None
        k = starts.index(at)
        reach = 4 * csvrecords.MAX_RECORD_CHARS
        pending = {i for i in range(max(0, k - csvrecords.MAX_RECORD_LINES + 1), k + 1) if at - starts[i] <= reach}
        while len(pending) > 1:
            first = min(pending)
            pending.remove(first)
            following = self._following(block, low, starts, ends, first)
            if following is None:
                return None
            pending.add(following)
        [index] = pending
        if index >= len(starts):
            return None
        return starts[index], line + index - k

    def _following(self, block: bytes, low: int, starts: list[int], ends: list[int], first: int) -> int | None:
        """The index of the line after the record that starts on line ``first``, or None beyond the block.

        The record is read from a window long enough that it decides the record as the whole file would: two
        lines at least, then up to ``MAX_RECORD_LINES`` lines or ``4 * MAX_RECORD_CHARS`` bytes, or the file's end.
        """
        if first >= len(ends):
            return None
        if b'"' not in block[starts[first] - low : ends[first] - low]:
            return first + 1  # without a quote, a line is a record of its own (or a problem line)
        last, most, reach = first + 1, csvrecords.MAX_RECORD_LINES, starts[first] + 4 * csvrecords.MAX_RECORD_CHARS
        while last < len(ends) and last - first < most and ends[last] <= reach:
            last += 1
        if last >= len(ends):
            if len(ends) < len(starts) or not ends:  # the block stops inside the window
                return None
            last = len(ends) - 1
        window = block[starts[first] - low : ends[last] - low]
        table = CsvTable(io.BytesIO(self.header + window), self.path, {}, (), self.latin1)
        start, end, *_ = next(table.rows())
        return first + end - start + 1


def csv_header(head: bytes, latin1: bool) -> tuple[bytes, int]:
    """The header line of a CSV file (its first line that is not blank) and the offset just after it."""
    offset = 0
    while True:
        end = head.find(b"\n", offset)
        line = head[offset:] if end < 0 else head[offset : end + 1]
        text = line.decode("latin-1") if latin1 else line.decode("utf-8", LATIN1_FALLBACK)
        if text.lstrip("\ufeff").strip() or end < 0:
            return (line if line.endswith(b"\n") else line + b"\n"), offset + len(line)
        offset = end + 1


class RangeReader(io.RawIOBase):
    """Bytes ``[start, end)`` of a file (or from ``start`` on when ``past_end``), after an optional prefix (a CSV
    header); the bytes of the range are counted for progress."""

    def __init__(
        self, path: Path, byte_range: ByteRange, prefix: bytes, counter: ByteCounter, past_end: bool = False
    ) -> None:
        self._file = path.open("rb", buffering=0)
        self._file.seek(byte_range.start)
        self._left = byte_range.end - byte_range.start
        self._past_end = past_end
        self._prefix = prefix
        self.counter = counter
        counter.total = self._left

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            count = min(len(buffer), len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        if self._left <= 0 and not self._past_end:
            return 0
        data = self._file.read(len(buffer) if self._past_end else min(len(buffer), self._left))
        if not data:
            return 0
        buffer[: len(data)] = data
        self.counter.bytes_read += max(0, min(len(data), self._left))
        self._left -= len(data)
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()


def iter_range(
    path: Path, fmt: str, byte_range: ByteRange, *, region: str, import_time_us: int, counter: ByteCounter
) -> Iterator[Record]:
    """The records of one range of a file that ``plan_ranges`` split, with their lines in the whole file."""
    found = _format(path, fmt)
    head = read_head(path, 1 << 16)
    csv = found.layout(head) is Layout.CSV
    latin1 = not is_utf8(head)
    header = csv_header(head, latin1)[0] if csv and byte_range.start > 0 else b""
    shift = byte_range.lines_before - (1 if header else 0)
    stop = None if byte_range.next_line is None or not csv else byte_range.next_line - shift
    raw = RangeReader(path, byte_range, header, counter, past_end=stop is not None)
    stream: BinaryIO = io.BufferedReader(raw, CHUNK)
    with stream:
        context = ReadContext(path, head if byte_range.start == 0 else head.lstrip(BOM), latin1, region, import_time_us)
        records = found.read(stream, context)
        try:
            for record in records:
                if stop is not None and record.line >= stop:
                    break  # the next range's first record: this range's records are complete
                if shift:
                    if type(record) is EventRecord:
                        record = record._replace(line=record.line + shift)
                    elif isinstance(record, Reject):
                        record = dataclasses.replace(record, line=record.line + shift)
                yield record
        finally:
            close = getattr(records, "close", None)
            if close is not None:
                close()
