"""Splitting a big plain export into byte ranges that separate processes can import at the same time.

Only line-based layouts split (JSON Lines, CSV); a CSV split point is a line end outside any quoted field
(an even number of quote characters before it), so a message body that spans lines is never cut. Records of
a range keep their physical line numbers in the whole file.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from console.importers.base import EventRecord, Record, Reject
from console.importers.csvfile import is_utf8
from console.importers.detect import json_layout
from console.importers.mailgun import SUPPRESSION_LISTS
from console.importers.reading import CHUNK, GZIP_MAGIC, ByteCounter, read_head
from console.importers.records import _is_json, _json_records, _suppression_csv, _twilio_csv

#: Files smaller than this are read by one process: starting another costs more than it saves.
MIN_SPLIT_BYTES = 48 << 20
BOM = b"\xef\xbb\xbf"


@dataclasses.dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int
    #: Physical lines before ``start``.
    lines_before: int


def _is_csv(fmt: str, head: bytes) -> bool:
    return fmt == "twilio-csv" or (fmt in SUPPRESSION_LISTS and not _is_json(head))


def splittable(path: Path, fmt: str) -> bool:
    """Plain (not gzip) JSON Lines or CSV exports big enough to be worth splitting."""
    if fmt == "contacts" or path.stat().st_size < MIN_SPLIT_BYTES:
        return False
    head = read_head(path, 1 << 16)
    with path.open("rb") as raw:
        if raw.read(2) == GZIP_MAGIC:
            return False
    if _is_csv(fmt, head):
        return True
    return _is_json(head) and json_layout(head.lstrip(BOM + b" \t\r\n")) == "lines"


def plan_ranges(path: Path, fmt: str, parts: int) -> list[ByteRange]:
    """``parts`` ranges ending at line ends (outside quotes for CSV), or the whole file as one range."""
    size = path.stat().st_size
    if parts < 2 or not splittable(path, fmt):
        return [ByteRange(0, size, 0)]
    csv = _is_csv(fmt, read_head(path, 1 << 16))
    targets = [size * k // parts for k in range(1, parts)]
    cuts: list[tuple[int, int]] = []
    lines = quotes = offset = 0
    with path.open("rb") as handle:
        while targets and (chunk := handle.read(CHUNK)):
            end = offset + len(chunk)
            position = 0
            while targets and targets[0] < end:
                start = max(position, targets[0] - offset)
                newline = chunk.find(b"\n", start)
                if newline < 0:
                    break
                inside = quotes + chunk.count(b'"', 0, newline)
                if not csv or inside % 2 == 0:
                    cuts.append((offset + newline + 1, lines + chunk.count(b"\n", 0, newline + 1)))
                    targets.pop(0)
                position = newline + 1
                if csv and inside % 2:
                    targets[0] = offset + position  # inside a quoted field: try the next line end
            lines += chunk.count(b"\n")
            quotes += chunk.count(b'"')
            offset = end
    bounds = [(0, 0), *cuts]
    ranges = [ByteRange(a, b, lines_a) for (a, lines_a), (b, _) in zip(bounds, [*cuts, (size, 0)], strict=True)]
    return [r for r in ranges if r.end > r.start]


class RangeReader(io.RawIOBase):
    """Bytes ``[start, end)`` of a file, after an optional prefix (a CSV header), counted for progress."""

    def __init__(self, path: Path, byte_range: ByteRange, prefix: bytes, counter: ByteCounter) -> None:
        self._file = path.open("rb", buffering=0)
        self._file.seek(byte_range.start)
        self._left = byte_range.end - byte_range.start
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
        if self._left <= 0:
            return 0
        data = self._file.read(min(len(buffer), self._left))
        if not data:
            return 0
        buffer[: len(data)] = data
        self._left -= len(data)
        self.counter.bytes_read += len(data)
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()


def iter_range(
    path: Path, fmt: str, byte_range: ByteRange, *, region: str, import_time_us: int, counter: ByteCounter
) -> Iterator[Record]:
    """The records of one range of a file that ``plan_ranges`` split, with their lines in the whole file."""
    head = read_head(path, 1 << 16)
    csv = _is_csv(fmt, head)
    header = head[: head.find(b"\n") + 1] if csv and byte_range.start > 0 else b""
    shift = byte_range.lines_before - (1 if header else 0)
    raw = RangeReader(path, byte_range, header, counter)
    stream: BinaryIO = io.BufferedReader(raw, CHUNK)
    with stream:
        if fmt == "twilio-csv":
            records = _twilio_csv(stream, path, region, not is_utf8(head), import_time_us)
        elif csv:
            records = _suppression_csv(stream, path, SUPPRESSION_LISTS[fmt], not is_utf8(head), import_time_us)
        else:
            records = _json_records(
                stream, path, fmt, head if byte_range.start == 0 else head.lstrip(BOM), region, import_time_us
            )
        for record in records:
            if shift:
                if type(record) is EventRecord:
                    record = record._replace(line=record.line + shift)
                elif isinstance(record, Reject):
                    record = dataclasses.replace(record, line=record.line + shift)
            yield record
