"""CSV exports: encoding (UTF-8 with or without BOM, Latin-1 fallback), `,` or `;`, columns by name."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from itertools import chain
from pathlib import Path
from typing import BinaryIO

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
        self.problems: dict[int, str] = {}
        self._latin1 = latin1
        self._stream = stream
        first = self._header_line()
        self.delimiter = sniff_delimiter(first)
        self.header = next(csv.reader([first], delimiter=self.delimiter), [])
        self._reader = csv.reader(chain.from_iterable(self._chunks()), delimiter=self.delimiter)
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

    def _chunks(self) -> Iterator[io.StringIO]:
        """Text of whole lines, a chunk at a time; a too-long line or a read failure becomes a blank line."""
        number = self._number
        carry, self._carry = self._carry, b""
        end = carry.rfind(b"\n")
        if end >= 0:  # whole lines read along with the header
            text = self._decode(carry[: end + 1])
            carry = carry[end + 1 :]
            number += text.count("\n")
            yield io.StringIO(text, newline="\n")
        while True:
            try:
                chunk = read_chunk(self._stream, self.path)
            except FileReadError as exc:
                self.problems[number + 1] = exc.problem
                yield io.StringIO("\n")
                return
            if not chunk:
                if carry:
                    yield io.StringIO(self._decode(carry + b"\n"), newline="\n")
                return
            end = chunk.rfind(b"\n")
            if end < 0:
                carry += chunk
                if len(carry) > MAX_LINE:
                    number += 1
                    self.problems[number] = f"line longer than {MAX_LINE >> 20} MB, not read"
                    carry = _skip_line(self._stream, self.path)
                    yield io.StringIO("\n")
                continue
            text = self._decode(carry + chunk[: end + 1])
            carry = chunk[end + 1 :]
            number += text.count("\n")
            yield io.StringIO(text, newline="\n")

    def rows(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """``(start line, cells, "")`` per record; ``(line, None, problem)`` for an unreadable one."""
        reader = self._reader
        problems = self.problems
        offset = self._number  # lines read before the reader started (header and blank lines)
        last = offset
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield offset + reader.line_num, None, f"unreadable CSV record: {exc}"
                last = offset + reader.line_num
                continue
            start = last + 1
            last = offset + reader.line_num
            if problems and start in problems:
                yield start, None, problems.pop(start)
                continue
            if row:
                yield start, row, ""

    def required_indexes(self, names: tuple[str, ...]) -> list[int]:
        """Column indexes of required fields (checked present by the constructor)."""
        return [i for i in (self.index[name] for name in names) if i is not None]

    def raw(self, row: list[str]) -> str:
        return self.delimiter.join(row)[:10_000]
