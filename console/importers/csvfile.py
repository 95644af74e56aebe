"""CSV exports: encoding (UTF-8 with or without BOM, Latin-1 fallback), `,` or `;`, columns by name."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from console.importers.errors import EmptyFile, MissingColumns
from console.importers.reading import iter_lines, line_problem


def column_key(name: str) -> str:
    """Header names compared without case, spaces, ``_`` or ``-``: ``First Name`` == ``first_name``."""
    return name.strip().lstrip("\ufeff").lower().replace(" ", "").replace("_", "").replace("-", "")


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
        self._number = 0
        self._latin1 = latin1
        self._lines = self._text_lines(stream)
        first = next(self._lines, None)
        while first is not None and not first.strip():
            first = next(self._lines, None)
        if first is None:
            raise EmptyFile(path, "the file is empty (no header row)")
        self.header_line = self._number
        self.delimiter = sniff_delimiter(first)
        self.header = next(csv.reader([first], delimiter=self.delimiter), [])
        keys = [column_key(name) for name in self.header]
        self.index: dict[str, int | None] = {}
        for field_name, names in columns.items():
            self.index[field_name] = next((keys.index(n) for n in names if n in keys), None)
        missing = tuple(f for f in required if self.index.get(f) is None)
        if missing:
            raise MissingColumns(path, self._missing_message(missing, columns), missing)

    def _missing_message(self, missing: tuple[str, ...], columns: Mapping[str, tuple[str, ...]]) -> str:
        shown = ", ".join(self.header)[:200]
        wanted = ", ".join(columns[f][0] for f in missing)
        if len(self.header) == 1:
            return (
                f"the header row has a single column ({shown!r}): wrong delimiter? Use ',' or ';'. "
                f"Missing columns: {wanted}"
            )
        return f"missing required column(s): {wanted} (header: {shown})"

    def _text_lines(self, stream: BinaryIO) -> Iterator[str]:
        latin1 = self._latin1
        for number, data in iter_lines(stream, self.path):
            self._number = number
            if data[:1] == b"\x00":
                problem = line_problem(data)
                if problem is not None:
                    self.problems[number] = problem
                    yield "\n"
                    continue
            if data[-1:] == b"\r":
                data = data[:-1]
            if latin1:
                yield data.decode("latin-1") + "\n"
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            if number == 1:
                text = text.lstrip("\ufeff")
            yield text + "\n"

    def rows(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """``(start line, cells, "")`` per record; ``(line, None, problem)`` for an unreadable one."""
        reader = csv.reader(self._lines, delimiter=self.delimiter)
        last = self._number
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield self._number, None, f"unreadable CSV record: {exc}"
                last = self._number
                continue
            start = last + 1
            last = self._number
            if not row:
                problem = self.problems.pop(start, None)
                if problem is not None:
                    yield start, None, problem
                continue
            if start in self.problems:
                yield start, None, self.problems.pop(start)
                continue
            yield start, row, ""

    def required_indexes(self, names: tuple[str, ...]) -> list[int]:
        """Column indexes of required fields (checked present by the constructor)."""
        return [i for i in (self.index[name] for name in names) if i is not None]

    def raw(self, row: list[str]) -> str:
        return self.delimiter.join(row)[:10_000]
