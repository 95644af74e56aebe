"""CSV exports: encoding (UTF-8 with or without BOM, Latin-1 fallback), `,` or `;`, columns by name."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from console.importers.csvrecords import PREVIEW, LineFeed, Span, iter_spans
from console.importers.errors import EmptyFile, FileReadError, MissingColumns
from console.importers.reading import MAX_LINE, read_chunk


def column_key(name: str) -> str:
    """Header names compared without case, spaces, ``_`` or ``-``: ``First Name`` == ``first_name``."""
    return name.strip().lstrip("\ufeff").lower().replace(" ", "").replace("_", "").replace("-", "")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode bytes that are not UTF-8 as Latin-1 (exports mix both)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


LATIN1_FALLBACK = "dnd-latin1-fallback"
codecs.register_error(LATIN1_FALLBACK, _latin1_fallback)


def _skip_line(stream: BinaryIO, path: Path) -> bytes:
    """Read past the rest of an over-long line; the bytes after its end of line."""
    while True:
        chunk = read_chunk(stream, path)
        end = chunk.find(b"\n")
        if not chunk or end >= 0:
            return chunk[end + 1 :] if chunk else b""


def sniff_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def is_utf8(head: bytes) -> bool:
    """Whether the first bytes are UTF-8 (a multi-byte character cut by the end of ``head`` is allowed)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


class CsvTable:
    """Rows of a CSV file with their physical start line; columns looked up by name.

    ``columns`` maps a field to the header names it may have (already in ``column_key`` form). A field
    listed in ``required`` must be present, or the whole file is refused with ``MissingColumns``.
    Decoding and line splitting work a chunk at a time so ``csv.reader`` runs at C speed.
    """

    def __init__(
        self,
        stream: BinaryIO,
        path: Path,
        columns: Mapping[str, tuple[str, ...]],
        required: tuple[str, ...],
        latin1: bool = False,
    ) -> None:
        self.path = path
        self.problems: dict[int, tuple[str, str]] = {}
        self._latin1 = latin1
        self._stream = stream
        first = self._header_line()
        self.delimiter = sniff_delimiter(first)
        self.header = next(csv.reader([first], delimiter=self.delimiter), [])
        keys = [column_key(name) for name in self.header]
        self.index: dict[str, int | None] = {}
        for field_name, names in columns.items():
            self.index[field_name] = next((keys.index(n) for n in names if n in keys), None)
        missing = tuple(f for f in required if self.index.get(f) is None)
        if missing:
            raise MissingColumns(path, self._missing_message(missing, columns), missing)

    def _header_line(self) -> str:
        """The first non-blank line; what was read past it is kept in ``_carry`` for the rows."""
        self._number = 0
        buf = b""
        while True:
            end = buf.find(b"\n")
            if end < 0:
                chunk = read_chunk(self._stream, self.path, 1 << 16)
                if chunk:
                    buf += chunk
                    if len(buf) > MAX_LINE:
                        raise MissingColumns(self.path, "the first line is too long to be a CSV header", ())
                    continue
                if not buf.strip():
                    raise EmptyFile(self.path, "the file is empty (no header row)")
                line, buf = buf, b""
            else:
                line, buf = buf[: end + 1], buf[end + 1 :]
            self._number += 1
            text = self._decode(line).lstrip("\ufeff")
            if text.strip():
                self._carry = buf
                return text

    def _decode(self, data: bytes) -> str:
        return data.decode("latin-1") if self._latin1 else data.decode("utf-8", LATIN1_FALLBACK)

    def _missing_message(self, missing: tuple[str, ...], columns: Mapping[str, tuple[str, ...]]) -> str:
        shown = ", ".join(self.header)[:200]
        wanted = ", ".join(missing)
        if len(self.header) == 1:
            return (
                f"the header row has a single column ({shown!r}): wrong delimiter? Use ',' or ';'. "
                f"Missing columns: {wanted}"
            )
        return f"missing required column(s): {wanted} (header: {shown})"

    def _chunks(self) -> Iterator[list[str]]:
        """Whole lines, a chunk at a time; a damaged line (too long, a NUL byte, a failed read) reads as blank."""
        number = self._number
        carry, self._carry = self._carry, b""
        while True:
            end = carry.rfind(b"\n")
            if end >= 0:
                lines = self._lines(carry[: end + 1], number)
                carry = carry[end + 1 :]
                number += len(lines)
                yield lines
            try:
                chunk = read_chunk(self._stream, self.path)
            except FileReadError as exc:
                self.problems[number + 1] = (exc.problem, self._preview(carry))
                yield ["\n"]
                return
            if not chunk:
                if carry:
                    yield self._lines(carry + b"\n", number)  # the last line has no end of line
                return
            carry += chunk
            if len(carry) > MAX_LINE and b"\n" not in chunk:  # a line too long to hold: skipped to its end
                number += 1
                self.problems[number] = (f"line longer than {MAX_LINE >> 20} MB, not read", self._preview(carry))
                yield ["\n"]
                try:
                    carry = _skip_line(self._stream, self.path)
                except FileReadError as exc:
                    self.problems[number + 1] = (exc.problem, "")
                    yield ["\n"]
                    return

    def _lines(self, data: bytes, number: int) -> list[str]:
        """``data`` (whole lines) as decoded lines; the first may be too long, any may hold a NUL byte."""
        first = data.find(b"\n")
        too_long = first > MAX_LINE
        if too_long:
            self.problems[number + 1] = (f"line longer than {MAX_LINE >> 20} MB, not read", self._preview(data))
            data = data[first:]
        lines = io.StringIO(self._decode(data), newline="\n").readlines()
        if b"\x00" in data:
            for n, line in enumerate(lines):
                if "\x00" in line:
                    raw = line.rstrip("\r\n").replace("\x00", "\ufffd")[:PREVIEW]
                    self.problems[number + n + 1] = ("a NUL byte in the line (damaged file?)", raw)
                    lines[n] = "\n"
        return lines

    def _preview(self, data: bytes) -> str:
        return self._decode(data[:PREVIEW]).replace("\x00", "\ufffd")

    def rows(self) -> Iterator[Span]:
        """``(start line, end line, cells, problem, raw)`` per record (see ``csvrecords``): cells are None for a
        blank line, and for an unreadable record, whose problem and raw text are given."""
        feed = LineFeed(self._chunks(), self._number + 1)
        return iter_spans(feed, self.delimiter, len(self.header), self.problems)

    def required_indexes(self, names: tuple[str, ...]) -> list[int]:
        """Column indexes of required fields (checked present by the constructor)."""
        return [i for i in (self.index[name] for name in names) if i is not None]

    def raw(self, row: list[str]) -> str:
        return self.delimiter.join(row)[:10_000]
